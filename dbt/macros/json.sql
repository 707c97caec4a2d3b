{#
  tributary_json_text(column, path): the text at `path` (a list of keys) inside a JSON column,
  NULL when absent. One implementation per warehouse; the column types are those of
  docs/warehouse-schema.md.
#}
{% macro tributary_json_text(column, path) -%}
  {{ return(adapter.dispatch('tributary_json_text', 'tributary')(column, path)) }}
{%- endmacro %}

{# Postgres: jsonb #}
{% macro default__tributary_json_text(column, path) -%}
  ({{ column }} #>> '{ {{- path | join(',') -}} }')
{%- endmacro %}

{% macro duckdb__tributary_json_text(column, path) -%}
  json_extract_string({{ column }}, '$.{{ path | join('.') }}')
{%- endmacro %}

{# Snowflake: VARIANT #}
{% macro snowflake__tributary_json_text(column, path) -%}
  {{ column }}:{{ path | join(':') }}::varchar
{%- endmacro %}

{# BigQuery: JSON #}
{% macro bigquery__tributary_json_text(column, path) -%}
  json_value({{ column }}, '$.{{ path | join('.') }}')
{%- endmacro %}

{# Redshift: SUPER #}
{% macro redshift__tributary_json_text(column, path) -%}
  json_extract_path_text(json_serialize({{ column }}), '{{ path | join("', '") }}', true)
{%- endmacro %}
