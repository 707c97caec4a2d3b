-- The user of each identified device: its latest `identify` event. Users reach every other event
-- through device_id; an identify that came after a session still names that session's user.
with identifies as (
    select
        device_id,
        identified_user_id as user_id,
        identified_user_email as user_email,
        identified_user_display_name as user_display_name,
        row_number() over (partition by device_id order by event_time desc, event_id desc) as recency
    from {{ ref('stg_tributary__events') }}
    where event_type = 'identify' and identified_user_id is not null
)

select device_id, user_id, user_email, user_display_name
from identifies
where recency = 1
