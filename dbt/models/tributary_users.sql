-- One row per user: an identified user (all the devices whose latest identify names them), or an
-- anonymous device. user_key tells them apart: 'user:<user_id>' or 'device:<device_id>'.
with events as (
    select
        events.*,
        device_users.user_id,
        device_users.user_email,
        device_users.user_display_name,
        case
            when device_users.user_id is not null
                then {{ dbt.concat(["'user:'", "device_users.user_id"]) }}
            else {{ dbt.concat(["'device:'", "cast(events.device_id as " ~ dbt.type_string() ~ ")"]) }}
        end as user_key
    from {{ ref('stg_tributary__events') }} as events
    left join {{ ref('stg_tributary__device_users') }} as device_users
        on device_users.device_id = events.device_id
)

select
    user_key,
    max(user_id) as user_id,
    max(user_email) as user_email,
    max(user_display_name) as user_display_name,
    count(distinct device_id) as devices,
    count(distinct case when session_id is not null
        then {{ dbt.concat(["cast(device_id as " ~ dbt.type_string() ~ ")", "':'", "cast(session_id as " ~ dbt.type_string() ~ ")"]) }}
    end) as sessions,
    count(*) as events,
    sum(case when event_type = 'navigate' then 1 else 0 end) as page_views,
    min(event_time) as first_seen_time,
    max(event_time) as last_seen_time
from events
group by user_key
