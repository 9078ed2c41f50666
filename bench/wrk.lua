-- wrk script for make bench (bench/loadgen.py runs it).
--
-- BENCH_BODY=entry: each request is POST <path> with a new pain entry under a fresh UUID v4
-- (the id is the idempotency key, so a repeated id would only measure replays).
-- BENCH_COOKIES: Cookie headers, one a line; the requests go round them (several patients).
-- Without either, wrk sends its one static request (method, path and -H headers).
-- done() prints one line "BENCH_JSON {...}": counts, errors and latency percentiles in us.

local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

local function uuid4()
  return (string.gsub("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", "[xy]", function(c)
    local nibble = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", nibble)
  end))
end

local regions = { "buttock", "thigh_back", "calf", "lower_back" }
local pain_types = { "burning", "shooting", "aching", "tingling" }
local triggers = { "sitting", "driving", "bending_forward", "standing" }

local function entry_body()
  local overall = math.random(2, 8)
  return string.format(
    '{"id":"%s","pain":{"overall":%d,"back":%d,"leg":%d},'
      .. '"locations":[{"region":"%s","side":"left"}],"pain_types":["%s"],'
      .. '"triggers":["%s"],"relievers":["heat"],"medications":"","sleep_quality":5,'
      .. '"interference":%d,"notes":""}',
    uuid4(), overall, math.max(0, overall - 1), overall,
    regions[math.random(#regions)], pain_types[math.random(#pain_types)],
    triggers[math.random(#triggers)], overall
  )
end

function init(args)
  -- Every thread has its own Lua state: seed each differently so no two threads share ids.
  local seed = os.time() * 1000 + (thread_number or 0) * 7919 + math.floor(os.clock() * 1e6)
  math.randomseed(seed)
  for _ = 1, 10 do math.random() end
end

local cookies = {}
for line in string.gmatch(os.getenv("BENCH_COOKIES") or "", "[^\n]+") do
  cookies[#cookies + 1] = line
end
local sent = 0

local function headers()
  if #cookies == 0 then return nil end
  -- Each thread starts at another patient; wrk.format sends only the headers it is given.
  sent = sent + 1
  local chosen = {}
  for name, value in pairs(wrk.headers) do chosen[name] = value end
  chosen["Cookie"] = cookies[((thread_number or 0) + sent) % #cookies + 1]
  return chosen
end

if os.getenv("BENCH_BODY") == "entry" then
  function request()
    return wrk.format("POST", nil, headers(), entry_body())
  end
elseif #cookies > 0 then
  function request()
    return wrk.format(nil, nil, headers())
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%.0f,"bytes":%.0f,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"mean":%.1f,"p50":%.0f,"p75":%.0f,"p90":%.0f,"p95":%.0f,"p99":%.0f,'
      .. '"max":%.0f}}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency.mean, latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max
  ))
end
