-- Every live navigate event is exactly one page view, and no tombstone is one.
with navigates as (
    select event_id from {{ source('tributary', 'events') }} where event_type = 'navigate'
)

select coalesce(n.event_id, p.page_view_id) as event_id
from navigates as n
full outer join {{ ref('tributary_page_views') }} as p on p.page_view_id = n.event_id
where n.event_id is null or p.page_view_id is null
