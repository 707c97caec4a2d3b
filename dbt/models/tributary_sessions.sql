-- One row per session (device_id + session_id): when it started and ended, what it held, where
-- it entered, and its device's user when the device was identified.
with events as (
    select * from {{ ref('stg_tributary__events') }} where session_id is not null
),

sessions as (
    select
        device_id,
        session_id,
        min(event_time) as started_time,
        max(event_time) as ended_time,
        count(*) as events,
        sum(case when event_type = 'navigate' then 1 else 0 end) as page_views,
        max(initial_referrer_host) as initial_referrer_host
    from events
    group by device_id, session_id
),

entries as (
    select
        device_id,
        session_id,
        page_url as entry_page_url,
        page_path as entry_page_path,
        source_type,
        browser,
        device_type,
        operating_system,
        row_number() over (partition by device_id, session_id order by event_time, event_id) as position
    from events
    where event_type = 'navigate'
)

select
    {{ dbt.concat([
        "cast(sessions.device_id as " ~ dbt.type_string() ~ ")",
        "':'",
        "cast(sessions.session_id as " ~ dbt.type_string() ~ ")",
    ]) }} as session_key,
    sessions.device_id,
    sessions.session_id,
    device_users.user_id,
    sessions.started_time,
    sessions.ended_time,
    {{ dbt.datediff('sessions.started_time', 'sessions.ended_time', 'second') }} as duration_seconds,
    sessions.events,
    sessions.page_views,
    entries.entry_page_url,
    entries.entry_page_path,
    sessions.initial_referrer_host,
    entries.source_type,
    entries.browser,
    entries.device_type,
    entries.operating_system
from sessions
left join entries
    on entries.device_id = sessions.device_id and entries.session_id = sessions.session_id and entries.position = 1
left join {{ ref('stg_tributary__device_users') }} as device_users
    on device_users.device_id = sessions.device_id
