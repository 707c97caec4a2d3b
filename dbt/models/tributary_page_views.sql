-- One row per page view: each `navigate` event (page loads and single-page-app navigations),
-- its page, and the time until the next page view of the same session.
with page_views as (
    select
        event_id as page_view_id,
        device_id,
        session_id,
        view_id,
        event_time as viewed_time,
        page_url,
        page_host,
        page_path,
        page_title,
        page_definition_id,
        row_number() over (partition by device_id, session_id order by event_time, event_id) as page_view_number,
        lead(event_time) over (partition by device_id, session_id order by event_time, event_id) as next_page_view_time
    from {{ ref('stg_tributary__events') }}
    where event_type = 'navigate'
)

select
    page_views.*,
    {{ dbt.datediff('viewed_time', 'next_page_view_time', 'second') }} as seconds_to_next_page_view
from page_views
