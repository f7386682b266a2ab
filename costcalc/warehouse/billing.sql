-- The billing rule of a usage log, once, in SQL (DuckDB dialect; costcalc transpiles it to the others).
-- Rules: docs/usage-billing.md; relations and precision: docs/warehouse.md.
-- Reads costcalc_price_periods, costcalc_model_names, costcalc_day_offsets and costcalc_usage.
-- CC_DIV, CC_DAY_OF, CC_DAY_NUMBER, CC_DATE and CC_MONEY are written per dialect by costcalc: exact floor
-- division of non-negative integers (DECIMAL(38, 0)); the UTC day number of nanoseconds since 1970 (BIGINT);
-- DATE to days since 1970-01-01 and back; whole 10^-20 USD to DECIMAL(38, 20).
-- Money: integers of 10^-20 USD while summing, DECIMAL(38, 20) at the end.

-- Prices as whole 10^-12 USD per 1M tokens, and period bounds as day numbers. The modality prices are the ones
-- a token of that modality pays on the row (NULL: it cannot be billed, and the text price never stands in).
CREATE VIEW costcalc_price_units AS
SELECT
  platform, model, effective_from, tier, batch, prompt_tokens_min, prompt_tokens_max, caching,
  min_cache_seconds, per_character, input_mtok, cached_mtok, output_mtok, storage_mtok_hour,
  audio_input_mtok, audio_cached_mtok, image_input_mtok, image_cached_mtok, video_input_mtok, video_cached_mtok,
  audio_output_mtok, image_output_mtok,
  CC_DAY_NUMBER(effective_from) AS from_day,
  CC_DAY_NUMBER(effective_to) AS to_day,
  CAST(input_mtok * 1000000000000 AS DECIMAL(38, 0)) AS input_units,
  CAST(cached_mtok * 1000000000000 AS DECIMAL(38, 0)) AS cached_units,
  CAST(output_mtok * 1000000000000 AS DECIMAL(38, 0)) AS output_units,
  CAST(storage_mtok_hour * 1000000000000 AS DECIMAL(38, 0)) AS storage_units,
  CAST(audio_input_mtok * 1000000000000 AS DECIMAL(38, 0)) AS audio_input_units,
  CAST(audio_cached_mtok * 1000000000000 AS DECIMAL(38, 0)) AS audio_cached_units,
  CAST(image_input_mtok * 1000000000000 AS DECIMAL(38, 0)) AS image_input_units,
  CAST(image_cached_mtok * 1000000000000 AS DECIMAL(38, 0)) AS image_cached_units,
  CAST(video_input_mtok * 1000000000000 AS DECIMAL(38, 0)) AS video_input_units,
  CAST(video_cached_mtok * 1000000000000 AS DECIMAL(38, 0)) AS video_cached_units,
  CAST(audio_output_mtok * 1000000000000 AS DECIMAL(38, 0)) AS audio_output_units,
  CAST(image_output_mtok * 1000000000000 AS DECIMAL(38, 0)) AS image_output_units
FROM costcalc_price_periods;

CREATE VIEW costcalc_models AS
SELECT DISTINCT platform, model, caching, min_cache_seconds
FROM costcalc_price_periods;

-- Each name a log uses, with its model id: drop everything up to the last "models/", then the id or an
-- alias (case-insensitive), else the name without a stable-version suffix -NNN. Names are few: resolved once.
CREATE VIEW costcalc_name_map AS
SELECT n.platform, n.model_name, COALESCE(exact_name.model, base_name.model) AS model
FROM (SELECT DISTINCT platform, model_name FROM costcalc_usage WHERE model_name IS NOT NULL) AS n
LEFT JOIN costcalc_model_names AS exact_name
  ON exact_name.platform = n.platform
  AND exact_name.name = REGEXP_REPLACE(LOWER(REGEXP_REPLACE(TRIM(n.model_name), '^.*models/', '')), '^models/', '')
LEFT JOIN costcalc_model_names AS base_name
  ON base_name.platform = n.platform
  AND REGEXP_REPLACE(TRIM(n.model_name), '-[0-9][0-9][0-9]$', '') <> TRIM(n.model_name)
  AND base_name.name = REGEXP_REPLACE(
    LOWER(REGEXP_REPLACE(REGEXP_REPLACE(TRIM(n.model_name), '-[0-9][0-9][0-9]$', ''), '^.*models/', '')),
    '^models/', '');

CREATE VIEW costcalc_usage_resolved AS
SELECT u.*, m.model, CC_DAY_OF(u.time_ns) AS day_number
FROM costcalc_usage AS u
LEFT JOIN costcalc_name_map AS m ON m.platform = u.platform AND m.model_name = u.model_name;

-- Responses: the period of the UTC day, the tier of prompt + tool use, the first reason not to bill. The
-- modality parts must be whole numbers from 0 to 10^12 (bad_details) within their totals (details_mismatch),
-- and every part needs its price, and a cached part also its input price (the cost without caching bills it).
CREATE VIEW costcalc_response_checked AS
SELECT
  r.*,
  r.prompt_tokens - r.cached_tokens + r.tool_use_prompt_tokens AS fresh_input_tokens,
  r.cached_tokens AS cached_input_tokens,
  r.candidates_tokens + r.thoughts_tokens AS output_tokens,
  p.effective_from, p.tier,
  CASE
    WHEN r.cached_tokens > r.prompt_tokens THEN 'cached_above_prompt'
    WHEN LEAST(r.fresh_audio_tokens, r.fresh_image_tokens, r.fresh_video_tokens, r.cached_audio_tokens,
               r.cached_image_tokens, r.cached_video_tokens, r.output_audio_tokens, r.output_image_tokens) < 0
      OR GREATEST(r.fresh_audio_tokens, r.fresh_image_tokens, r.fresh_video_tokens, r.cached_audio_tokens,
                  r.cached_image_tokens, r.cached_video_tokens, r.output_audio_tokens, r.output_image_tokens)
        > 1000000000000 THEN 'bad_details'
    WHEN r.fresh_audio_tokens + r.fresh_image_tokens + r.fresh_video_tokens
        > r.prompt_tokens - r.cached_tokens + r.tool_use_prompt_tokens
      OR r.cached_audio_tokens + r.cached_image_tokens + r.cached_video_tokens > r.cached_tokens
      OR r.output_audio_tokens + r.output_image_tokens > r.candidates_tokens THEN 'details_mismatch'
    WHEN r.model_name IS NULL OR TRIM(r.model_name) = '' THEN 'no_model'
    WHEN r.time_ns IS NULL THEN 'no_time'
    WHEN r.model IS NULL THEN 'unknown_model'
    WHEN p.model IS NULL THEN 'no_price'
    WHEN p.per_character THEN 'per_character'
    WHEN r.batch AND (p.input_units IS NULL OR p.output_units IS NULL) THEN 'no_batch_price'
    WHEN r.cached_tokens > 0 AND p.cached_units IS NULL THEN 'no_cached_price'
    WHEN (r.fresh_image_tokens + r.cached_image_tokens > 0 AND p.image_input_units IS NULL)
      OR (r.fresh_video_tokens + r.cached_video_tokens > 0 AND p.video_input_units IS NULL)
      OR (r.fresh_audio_tokens + r.cached_audio_tokens > 0 AND p.audio_input_units IS NULL)
      OR (r.cached_image_tokens > 0 AND p.image_cached_units IS NULL)
      OR (r.cached_video_tokens > 0 AND p.video_cached_units IS NULL)
      OR (r.cached_audio_tokens > 0 AND p.audio_cached_units IS NULL)
      OR (r.output_image_tokens > 0 AND p.image_output_units IS NULL)
      OR (r.output_audio_tokens > 0 AND p.audio_output_units IS NULL) THEN 'no_modality_price'
  END AS bad_code
FROM costcalc_usage_resolved AS r
LEFT JOIN costcalc_price_units AS p
  ON p.platform = r.platform AND p.model = r.model AND p.batch = r.batch
  AND r.day_number >= p.from_day AND (p.to_day IS NULL OR r.day_number < p.to_day)
  AND r.prompt_tokens + r.tool_use_prompt_tokens >= p.prompt_tokens_min
  AND (p.prompt_tokens_max IS NULL OR r.prompt_tokens + r.tool_use_prompt_tokens <= p.prompt_tokens_max)
WHERE r.kind = 'response';

-- Cache records, each checked alone (a bad one takes no part in choosing a cache's latest version); its own
-- audio tokens (audioDurationSeconds x 32) are at most its total, and its life (the earlier of delete and
-- expire, at least the platform's minimum) must not exceed 366 days.
CREATE VIEW costcalc_cache_versions AS
SELECT
  c.*,
  m.caching,
  COALESCE(m.min_cache_seconds, 0) AS min_cache_seconds,
  c.time_ns AS start_ns,
  CASE
    WHEN SUBSTR('/' || c.cache_name, STRPOS('/' || c.cache_name, '/cachedContents/') + 16, 1) IN ('', '/')
      THEN 'bad_cache_name'
    WHEN c.cache_tokens IS NULL OR c.cache_tokens = 0 THEN 'no_size'
    WHEN c.cache_audio_tokens < 0 OR c.cache_audio_tokens % 32 <> 0 OR c.cache_audio_tokens > 32000000000000
      THEN 'bad_count'
    WHEN c.cache_audio_tokens > c.cache_tokens THEN 'details_mismatch'
    WHEN c.model_name IS NULL OR TRIM(c.model_name) = '' THEN 'no_model'
    WHEN c.model IS NULL THEN 'unknown_model'
    WHEN m.caching <> 'explicit' THEN 'no_explicit_cache'
    WHEN c.time_ns IS NULL OR c.expire_ns IS NULL THEN 'no_time'
    WHEN c.delete_ns < c.time_ns OR c.expire_ns < c.time_ns OR c.update_ns < c.time_ns THEN 'bad_lifetime'
    WHEN GREATEST(
        CASE WHEN c.delete_ns IS NOT NULL AND c.delete_ns < c.expire_ns THEN c.delete_ns ELSE c.expire_ns END,
        c.time_ns + COALESCE(m.min_cache_seconds, 0) * 1000000000
      ) - c.time_ns > 366 * 86400000000000 THEN 'bad_lifetime'
  END AS bad_code
FROM costcalc_usage_resolved AS c
LEFT JOIN costcalc_models AS m ON m.platform = c.platform AND m.model = c.model
WHERE c.kind = 'cache';

-- Of several good records of one cache, the latest updateTime (then the one read last) describes it; the
-- earliest deleteTime of any of them ends its life (the end is at least its createTime plus the minimum).
CREATE VIEW costcalc_cache_chosen AS
SELECT
  ranked.*,
  GREATEST(
    CASE WHEN earliest_delete_ns IS NOT NULL AND earliest_delete_ns < expire_ns THEN earliest_delete_ns
         ELSE expire_ns END,
    time_ns + min_cache_seconds * 1000000000
  ) AS end_ns
FROM (
  SELECT
    v.*,
    ROW_NUMBER() OVER (PARTITION BY v.platform, v.cache_name ORDER BY v.update_ns DESC, v.seq DESC) AS pick,
    MIN(v.delete_ns) OVER (PARTITION BY v.platform, v.cache_name) AS earliest_delete_ns
  FROM costcalc_cache_versions AS v
  WHERE v.bad_code IS NULL
) AS ranked
WHERE pick = 1;

-- The life cut at every 00:00 UTC: one piece per day it reaches, each at the prices of its own day.
CREATE VIEW costcalc_cache_pieces AS
SELECT
  c.platform, c.model, c.cache_name, c.seq, c.cache_tokens,
  c.day_number + d.day_offset AS day_number,
  LEAST(c.end_ns, (c.day_number + d.day_offset + 1) * 86400000000000)
    - GREATEST(c.start_ns, (c.day_number + d.day_offset) * 86400000000000) AS storage_ns,
  p.effective_from, p.tier, p.storage_units,
  CASE
    WHEN p.model IS NULL THEN 'no_price'
    WHEN p.per_character THEN 'per_character'
    WHEN p.storage_units IS NULL THEN 'no_storage_price'
  END AS problem
FROM costcalc_cache_chosen AS c
JOIN costcalc_day_offsets AS d
  ON c.day_number + d.day_offset <= CC_DAY_OF(c.end_ns - 1)
LEFT JOIN costcalc_price_units AS p
  ON p.platform = c.platform AND p.model = c.model AND NOT p.batch
  AND c.day_number + d.day_offset >= p.from_day
  AND (p.to_day IS NULL OR c.day_number + d.day_offset < p.to_day)
  AND c.cache_tokens >= p.prompt_tokens_min
  AND (p.prompt_tokens_max IS NULL OR c.cache_tokens <= p.prompt_tokens_max);

-- The first day of a cache's life that cannot be priced fails the whole cache.
CREATE VIEW costcalc_cache_problems AS
SELECT platform, cache_name, seq, problem
FROM (
  SELECT
    platform, cache_name, seq, problem,
    ROW_NUMBER() OVER (PARTITION BY platform, cache_name, seq ORDER BY day_number) AS first_problem
  FROM costcalc_cache_pieces
  WHERE problem IS NOT NULL
) AS problems
WHERE first_problem = 1;

-- The chosen version of each cache: creation in the period of its UTC day, at the tier of its size (its audio
-- tokens at the standard audio input price).
CREATE VIEW costcalc_cache_checked AS
SELECT
  c.file, c.line, c.seq, c.platform, c.model, c.model_name, c.cache_name, c.day_number, c.cache_tokens,
  c.cache_audio_tokens, creation.effective_from, creation.tier,
  CASE
    WHEN creation.model IS NULL THEN 'no_price'
    WHEN creation.per_character THEN 'per_character'
    WHEN c.cache_audio_tokens > 0 AND creation.audio_input_units IS NULL THEN 'no_modality_price'
    ELSE problem.problem
  END AS bad_code
FROM costcalc_cache_chosen AS c
LEFT JOIN costcalc_price_units AS creation
  ON creation.platform = c.platform AND creation.model = c.model AND NOT creation.batch
  AND c.day_number >= creation.from_day AND (creation.to_day IS NULL OR c.day_number < creation.to_day)
  AND c.cache_tokens >= creation.prompt_tokens_min
  AND (creation.prompt_tokens_max IS NULL OR c.cache_tokens <= creation.prompt_tokens_max)
LEFT JOIN costcalc_cache_problems AS problem
  ON problem.platform = c.platform AND problem.cache_name = c.cache_name AND problem.seq = c.seq;

-- Integer sums per aggregate key (platform, model, period, tier, batch, UTC day): responses, then caches.
CREATE VIEW costcalc_response_aggregates AS
SELECT
  platform, model, effective_from, tier, batch, day_number,
  COUNT(*) AS responses,
  SUM(CAST(fresh_input_tokens AS DECIMAL(38, 0))) AS fresh_input_tokens,
  SUM(CAST(cached_input_tokens AS DECIMAL(38, 0))) AS cached_input_tokens,
  SUM(CAST(output_tokens AS DECIMAL(38, 0))) AS output_tokens,
  SUM(CAST(fresh_audio_tokens AS DECIMAL(38, 0))) AS fresh_audio_tokens,
  SUM(CAST(fresh_image_tokens AS DECIMAL(38, 0))) AS fresh_image_tokens,
  SUM(CAST(fresh_video_tokens AS DECIMAL(38, 0))) AS fresh_video_tokens,
  SUM(CAST(cached_audio_tokens AS DECIMAL(38, 0))) AS cached_audio_tokens,
  SUM(CAST(cached_image_tokens AS DECIMAL(38, 0))) AS cached_image_tokens,
  SUM(CAST(cached_video_tokens AS DECIMAL(38, 0))) AS cached_video_tokens,
  SUM(CAST(output_audio_tokens AS DECIMAL(38, 0))) AS output_audio_tokens,
  SUM(CAST(output_image_tokens AS DECIMAL(38, 0))) AS output_image_tokens
FROM costcalc_response_checked
WHERE bad_code IS NULL
GROUP BY platform, model, effective_from, tier, batch, day_number;

-- Cache creation and storage go under batch = FALSE and the tier of the cache's size.
CREATE VIEW costcalc_cache_aggregates AS
SELECT
  platform, model, effective_from, tier, FALSE AS batch, day_number,
  SUM(caches) AS caches,
  SUM(creation_tokens) AS creation_tokens,
  SUM(storage_token_ns) AS storage_token_ns,
  SUM(creation_audio_tokens) AS creation_audio_tokens
FROM (
  SELECT
    platform, model, effective_from, tier, day_number, 1 AS caches,
    CAST(cache_tokens AS DECIMAL(38, 0)) AS creation_tokens, CAST(0 AS DECIMAL(38, 0)) AS storage_token_ns,
    CAST(cache_audio_tokens AS DECIMAL(38, 0)) AS creation_audio_tokens
  FROM costcalc_cache_checked
  WHERE bad_code IS NULL
  UNION ALL
  SELECT
    piece.platform, piece.model, piece.effective_from, piece.tier, piece.day_number, 0, CAST(0 AS DECIMAL(38, 0)),
    CAST(piece.cache_tokens AS DECIMAL(38, 0)) * CAST(piece.storage_ns AS DECIMAL(38, 0)), CAST(0 AS DECIMAL(38, 0))
  FROM costcalc_cache_pieces AS piece
  JOIN costcalc_cache_checked AS cache
    ON cache.platform = piece.platform AND cache.cache_name = piece.cache_name AND cache.seq = piece.seq
  WHERE cache.bad_code IS NULL AND piece.storage_ns > 0
) AS facts
GROUP BY platform, model, effective_from, tier, day_number;

CREATE VIEW costcalc_aggregates AS
SELECT
  platform, model, effective_from, tier, batch, day_number,
  SUM(responses) AS responses,
  SUM(fresh_input_tokens) AS fresh_input_tokens,
  SUM(cached_input_tokens) AS cached_input_tokens,
  SUM(output_tokens) AS output_tokens,
  SUM(caches) AS caches,
  SUM(creation_tokens) AS creation_tokens,
  SUM(storage_token_ns) AS storage_token_ns,
  SUM(fresh_audio_tokens) AS fresh_audio_tokens,
  SUM(fresh_image_tokens) AS fresh_image_tokens,
  SUM(fresh_video_tokens) AS fresh_video_tokens,
  SUM(cached_audio_tokens) AS cached_audio_tokens,
  SUM(cached_image_tokens) AS cached_image_tokens,
  SUM(cached_video_tokens) AS cached_video_tokens,
  SUM(output_audio_tokens) AS output_audio_tokens,
  SUM(output_image_tokens) AS output_image_tokens,
  SUM(creation_audio_tokens) AS creation_audio_tokens
FROM (
  SELECT
    platform, model, effective_from, tier, batch, day_number, responses, fresh_input_tokens, cached_input_tokens,
    output_tokens, 0 AS caches, CAST(0 AS DECIMAL(38, 0)) AS creation_tokens,
    CAST(0 AS DECIMAL(38, 0)) AS storage_token_ns, fresh_audio_tokens, fresh_image_tokens, fresh_video_tokens, cached_audio_tokens, cached_image_tokens, cached_video_tokens, output_audio_tokens, output_image_tokens,
    CAST(0 AS DECIMAL(38, 0)) AS creation_audio_tokens
  FROM costcalc_response_aggregates
  UNION ALL
  SELECT
    platform, model, effective_from, tier, batch, day_number, 0, CAST(0 AS DECIMAL(38, 0)),
    CAST(0 AS DECIMAL(38, 0)), CAST(0 AS DECIMAL(38, 0)), caches, creation_tokens, storage_token_ns,
    CAST(0 AS DECIMAL(38, 0)), CAST(0 AS DECIMAL(38, 0)), CAST(0 AS DECIMAL(38, 0)), CAST(0 AS DECIMAL(38, 0)), CAST(0 AS DECIMAL(38, 0)), CAST(0 AS DECIMAL(38, 0)), CAST(0 AS DECIMAL(38, 0)), CAST(0 AS DECIMAL(38, 0)),
    creation_audio_tokens
  FROM costcalc_cache_aggregates
) AS parts
GROUP BY platform, model, effective_from, tier, batch, day_number;

-- Each modality part at its price, what is left of each total (TEXT, DOCUMENT) at the text price. A price is
-- only missing where no token needs it (such records were refused above).
CREATE VIEW costcalc_priced_units AS
SELECT
  a.*,
  p.input_mtok, p.cached_mtok, p.output_mtok, p.storage_mtok_hour, standard.input_mtok AS creation_input_mtok,
  p.audio_input_mtok, p.audio_cached_mtok, p.image_input_mtok, p.image_cached_mtok, p.video_input_mtok,
  p.video_cached_mtok, p.audio_output_mtok, p.image_output_mtok,
  standard.audio_input_mtok AS creation_audio_input_mtok,
  ((a.fresh_input_tokens - a.fresh_audio_tokens - a.fresh_image_tokens - a.fresh_video_tokens)
      * COALESCE(p.input_units, 0)
    + a.fresh_audio_tokens * COALESCE(p.audio_input_units, 0)
    + a.fresh_image_tokens * COALESCE(p.image_input_units, 0)
    + a.fresh_video_tokens * COALESCE(p.video_input_units, 0)) * 100 AS fresh_input_units,
  ((a.cached_input_tokens - a.cached_audio_tokens - a.cached_image_tokens - a.cached_video_tokens)
      * COALESCE(p.cached_units, 0)
    + a.cached_audio_tokens * COALESCE(p.audio_cached_units, 0)
    + a.cached_image_tokens * COALESCE(p.image_cached_units, 0)
    + a.cached_video_tokens * COALESCE(p.video_cached_units, 0)) * 100 AS cached_input_units,
  ((a.output_tokens - a.output_audio_tokens - a.output_image_tokens) * COALESCE(p.output_units, 0)
    + a.output_audio_tokens * COALESCE(p.audio_output_units, 0)
    + a.output_image_tokens * COALESCE(p.image_output_units, 0)) * 100 AS output_units,
  ((a.creation_tokens - a.creation_audio_tokens) * COALESCE(standard.input_units, 0)
    + a.creation_audio_tokens * COALESCE(standard.audio_input_units, 0)) * 100 AS creation_units,
  ((a.fresh_input_tokens + a.cached_input_tokens - a.fresh_audio_tokens - a.cached_audio_tokens
      - a.fresh_image_tokens - a.cached_image_tokens - a.fresh_video_tokens - a.cached_video_tokens)
      * COALESCE(p.input_units, 0)
    + (a.fresh_audio_tokens + a.cached_audio_tokens) * COALESCE(p.audio_input_units, 0)
    + (a.fresh_image_tokens + a.cached_image_tokens) * COALESCE(p.image_input_units, 0)
    + (a.fresh_video_tokens + a.cached_video_tokens) * COALESCE(p.video_input_units, 0)) * 100
    AS uncached_input_units,
  storage_whole + CASE
    WHEN 2 * storage_rest > 36000000000 THEN 1
    WHEN 2 * storage_rest = 36000000000 AND storage_whole % 2 = 1 THEN 1
    ELSE 0
  END AS storage_units
FROM (
  SELECT
    agg.*,
    CC_DIV(agg.storage_token_ns, 36000000000) * COALESCE(s.storage_units, 0)
      + CC_DIV((agg.storage_token_ns % 36000000000) * COALESCE(s.storage_units, 0), 36000000000) AS storage_whole,
    ((agg.storage_token_ns % 36000000000) * COALESCE(s.storage_units, 0)) % 36000000000 AS storage_rest
  FROM costcalc_aggregates AS agg
  LEFT JOIN costcalc_price_units AS s
    ON s.platform = agg.platform AND s.model = agg.model AND s.effective_from = agg.effective_from AND s.tier = agg.tier AND NOT s.batch
) AS a
JOIN costcalc_price_units AS p
  ON p.platform = a.platform AND p.model = a.model AND p.effective_from = a.effective_from AND p.tier = a.tier AND p.batch = a.batch
JOIN costcalc_price_units AS standard
  ON standard.platform = a.platform AND standard.model = a.model AND standard.effective_from = a.effective_from AND standard.tier = a.tier
  AND NOT standard.batch;

-- What a reader checks: one row per key with its day, token sums, the prices used and the money.
CREATE VIEW costcalc_bill_by_key AS
SELECT
  platform, model, effective_from, tier, batch, CC_DATE(day_number) AS day,
  responses, fresh_input_tokens, cached_input_tokens, output_tokens, caches, creation_tokens, storage_token_ns,
  fresh_audio_tokens, fresh_image_tokens, fresh_video_tokens, cached_audio_tokens, cached_image_tokens,
  cached_video_tokens, output_audio_tokens, output_image_tokens, creation_audio_tokens,
  input_mtok, cached_mtok, output_mtok, creation_input_mtok, storage_mtok_hour,
  audio_input_mtok, audio_cached_mtok, image_input_mtok, image_cached_mtok, video_input_mtok, video_cached_mtok,
  audio_output_mtok, image_output_mtok, creation_audio_input_mtok,
  CC_MONEY(fresh_input_units) AS fresh_input,
  CC_MONEY(cached_input_units) AS cached_input,
  CC_MONEY(output_units) AS output,
  CC_MONEY(creation_units) AS creation,
  CC_MONEY(storage_units) AS storage,
  CC_MONEY(total_units) AS total,
  CC_MONEY(without_caching_units) AS without_caching
FROM (
  SELECT
    *,
    fresh_input_units + cached_input_units + output_units + creation_units + storage_units AS total_units,
    uncached_input_units + output_units AS without_caching_units
  FROM costcalc_priced_units
) AS units;

CREATE VIEW costcalc_bill_by_model AS
SELECT
  platform, model,
  CC_MONEY(fresh_input_units) AS fresh_input,
  CC_MONEY(cached_input_units) AS cached_input,
  CC_MONEY(output_units) AS output,
  CC_MONEY(creation_units) AS creation,
  CC_MONEY(storage_units) AS storage,
  CC_MONEY(total_units) AS total,
  CC_MONEY(without_caching_units) AS without_caching
FROM (
  SELECT
    platform, model,
    SUM(fresh_input_units) AS fresh_input_units,
    SUM(cached_input_units) AS cached_input_units,
    SUM(output_units) AS output_units,
    SUM(creation_units) AS creation_units,
    SUM(storage_units) AS storage_units,
    SUM(fresh_input_units + cached_input_units + output_units + creation_units + storage_units) AS total_units,
    SUM(uncached_input_units + output_units) AS without_caching_units
  FROM costcalc_priced_units
  GROUP BY platform, model
) AS sums;

CREATE VIEW costcalc_bill_by_day AS
SELECT
  platform, CC_DATE(day_number) AS day,
  CC_MONEY(fresh_input_units) AS fresh_input,
  CC_MONEY(cached_input_units) AS cached_input,
  CC_MONEY(output_units) AS output,
  CC_MONEY(creation_units) AS creation,
  CC_MONEY(storage_units) AS storage,
  CC_MONEY(total_units) AS total,
  CC_MONEY(without_caching_units) AS without_caching
FROM (
  SELECT
    platform, day_number,
    SUM(fresh_input_units) AS fresh_input_units,
    SUM(cached_input_units) AS cached_input_units,
    SUM(output_units) AS output_units,
    SUM(creation_units) AS creation_units,
    SUM(storage_units) AS storage_units,
    SUM(fresh_input_units + cached_input_units + output_units + creation_units + storage_units) AS total_units,
    SUM(uncached_input_units + output_units) AS without_caching_units
  FROM costcalc_priced_units
  GROUP BY platform, day_number
) AS sums;

CREATE VIEW costcalc_bill_total AS
SELECT
  platform,
  CC_MONEY(fresh_input_units) AS fresh_input,
  CC_MONEY(cached_input_units) AS cached_input,
  CC_MONEY(output_units) AS output,
  CC_MONEY(creation_units) AS creation,
  CC_MONEY(storage_units) AS storage,
  CC_MONEY(total_units) AS total,
  CC_MONEY(without_caching_units) AS without_caching,
  CC_MONEY(without_caching_units - total_units) AS savings
FROM (
  SELECT
    platform,
    SUM(fresh_input_units) AS fresh_input_units,
    SUM(cached_input_units) AS cached_input_units,
    SUM(output_units) AS output_units,
    SUM(creation_units) AS creation_units,
    SUM(storage_units) AS storage_units,
    SUM(fresh_input_units + cached_input_units + output_units + creation_units + storage_units) AS total_units,
    SUM(uncached_input_units + output_units) AS without_caching_units
  FROM costcalc_priced_units
  GROUP BY platform
) AS sums;

-- Records that cannot be billed, with the code of docs/usage-billing.md ("Bad records"); `late` when a
-- cache's chosen record failed a price check of its life (the default engine finds those last).
CREATE VIEW costcalc_bad_records AS
SELECT file, line, seq, bad_code AS code, FALSE AS late FROM costcalc_response_checked WHERE bad_code IS NOT NULL
UNION ALL
SELECT file, line, seq, bad_code AS code, FALSE AS late FROM costcalc_cache_versions WHERE bad_code IS NOT NULL
UNION ALL
SELECT file, line, seq, bad_code AS code, TRUE AS late FROM costcalc_cache_checked WHERE bad_code IS NOT NULL;

-- Cache records read (good ones), distinct caches among them, and caches billed.
CREATE VIEW costcalc_cache_counts AS
SELECT
  versions.platform, versions.cache_records, versions.distinct_caches, COALESCE(billed.caches, 0) AS caches
FROM (
  SELECT platform, COUNT(*) AS cache_records, COUNT(DISTINCT cache_name) AS distinct_caches
  FROM costcalc_cache_versions
  WHERE bad_code IS NULL
  GROUP BY platform
) AS versions
LEFT JOIN (
  SELECT platform, COUNT(*) AS caches FROM costcalc_cache_checked WHERE bad_code IS NULL GROUP BY platform
) AS billed ON billed.platform = versions.platform;
