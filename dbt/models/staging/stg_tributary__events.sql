-- Live events only (tombstones, the earlier rows of re-emitted events, are dropped), with the
-- JSON fields the models use as columns. Everything else stays in the two JSON columns.
select
    event_id,
    event_time,
    processed_time,
    updated_time,
    device_id,
    session_id,
    view_id,
    event_type,
    source_type,
    {{ tributary_json_text('source_properties', ['url', 'full_url']) }} as page_url,
    {{ tributary_json_text('source_properties', ['url', 'host']) }} as page_host,
    {{ tributary_json_text('source_properties', ['url', 'path']) }} as page_path,
    {{ tributary_json_text('source_properties', ['title']) }} as page_title,
    {{ tributary_json_text('source_properties', ['page_definition_id']) }} as page_definition_id,
    {{ tributary_json_text('source_properties', ['initial_referrer', 'host']) }} as initial_referrer_host,
    {{ tributary_json_text('source_properties', ['user_agent', 'browser']) }} as browser,
    {{ tributary_json_text('source_properties', ['user_agent', 'device']) }} as device_type,
    {{ tributary_json_text('source_properties', ['user_agent', 'operating_system']) }} as operating_system,
    {{ tributary_json_text('event_properties', ['event_definition_id']) }} as event_definition_id,
    {{ tributary_json_text('event_properties', ['event_name']) }} as custom_event_name,
    {{ tributary_json_text('event_properties', ['user_id']) }} as identified_user_id,
    {{ tributary_json_text('event_properties', ['user_email']) }} as identified_user_email,
    {{ tributary_json_text('event_properties', ['user_display_name']) }} as identified_user_display_name,
    event_properties,
    source_properties
from {{ source('tributary', 'events') }}
where event_type is not null
