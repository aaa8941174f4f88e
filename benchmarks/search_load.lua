-- wrk script for benchmarks/search_load.py: logged-in reviewers searching through
-- `raqib serve`. Each wrk thread is one reviewer with one connection and its own session
-- cookie (RAQIB_LOAD_COOKIES: one "sessionid=...; csrftoken=..." line per reviewer) and
-- walks the search paths (RAQIB_LOAD_PATHS: one "/?q=..." line each) from its own offset.
-- A response that is not 200 or is not a result page (no `class="count"`, e.g. a redirect
-- to the login page or the "search backend failed" message) counts as bad. done() prints
-- one JSON line: latency percentiles in ms, requests, bad responses and wrk's socket errors.
-- RAQIB_LOAD_THINK_MS (default 0): the mean pause after each answer, a reviewer reading the
-- hits; each pause is drawn from an exponential distribution with that mean (seeded per
-- reviewer), so reviewers that started together do not keep arriving in one burst.
-- To add a check: extend response().

local function lines(path)
  local out = {}
  for line in io.lines(path) do
    if line ~= "" then out[#out + 1] = line end
  end
  return out
end

paths = lines(os.getenv("RAQIB_LOAD_PATHS"))
cookies = lines(os.getenv("RAQIB_LOAD_COOKIES"))

local threads = {}
local created = 0

function setup(thread)
  created = created + 1
  thread:set("id", created)
  table.insert(threads, thread)
end

function init(args)
  cookie = cookies[((id - 1) % #cookies) + 1]
  n = id * 13
  math.randomseed(id * 7919)
  bad = 0
  seen = 0
end

think = tonumber(os.getenv("RAQIB_LOAD_THINK_MS") or "0")

function delay()
  if think <= 0 then return 0 end
  return math.floor(-think * math.log(1 - math.random()))
end

function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1], {["Cookie"] = cookie})
end

function response(status, headers, body)
  seen = seen + 1
  if status ~= 200 or not string.find(body, 'class="count"', 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local bad_total, seen_total = 0, 0
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("bad")
    seen_total = seen_total + thread:get("seen")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "responses": %d, "bad": %d, "seconds": %.2f, "rps": %.2f, ' ..
    '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "mean_ms": %.2f, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, seen_total, bad_total, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
    e.connect, e.read, e.write, e.status, e.timeout))
end
