-- loadEvents with rows
LOAD test-proj.golden.raw_events NEWLINE_DELIMITED_JSON WRITE_TRUNCATE (resumable upload);

MERGE `test-proj.golden.events` T
USING (
  SELECT * EXCEPT(rn) FROM (
    SELECT event_id, event_time, processed_time, device_id, session_id, view_id, event_type, event_properties, source_type, source_properties,
      ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY processed_time DESC) AS rn,
      MAX(CASE WHEN event_type IS NOT NULL THEN 1 ELSE 0 END) OVER (PARTITION BY event_id) AS has_live
    FROM `test-proj.golden.raw_events`
  )
  WHERE rn = 1
) S
ON T.event_id = S.event_id AND T.event_time BETWEEN @merge_from AND @merge_to
WHEN MATCHED AND S.processed_time > T.processed_time THEN
  UPDATE SET
    event_time = S.event_time,
    processed_time = S.processed_time,
    device_id = S.device_id,
    session_id = S.session_id,
    view_id = S.view_id,
    event_type = S.event_type,
    event_properties = S.event_properties,
    source_type = S.source_type,
    source_properties = S.source_properties,
    updated_time = CURRENT_TIMESTAMP()
WHEN NOT MATCHED AND S.has_live = 1 THEN
  INSERT (event_id, event_time, processed_time, device_id, session_id, view_id, event_type, event_properties, source_type, source_properties, updated_time)
  VALUES (S.event_id, S.event_time, S.processed_time, S.device_id, S.session_id, S.view_id, S.event_type, S.event_properties, S.source_type, S.source_properties, CURRENT_TIMESTAMP());

TRUNCATE TABLE `test-proj.golden.raw_events`;
-- the MERGE's parameters (TIMESTAMP): @merge_from = 2026-11-26T10:00:01.007919Z, @merge_to = 2026-11-26T10:00:02.015838Z
