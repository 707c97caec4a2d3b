-- The sessions and page views of all users add up to those of all sessions.
with by_users as (
    select sum(sessions) as sessions, sum(page_views) as page_views from {{ ref('tributary_users') }}
),

by_sessions as (
    select count(*) as sessions, sum(page_views) as page_views from {{ ref('tributary_sessions') }}
)

select *
from by_users, by_sessions
where by_users.sessions <> by_sessions.sessions or by_users.page_views <> by_sessions.page_views
