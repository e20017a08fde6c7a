-- wrk script for the mixed run (bench/mixed.py): each request picks a path by Zipf popularity from
-- the file named by MIXED_PATHS (one "<weight> <path>" per line, most popular first), counts the page
-- cache's answers (X-Page-Cache: hit / miss) and statuses, and reports one JSON line.
local paths, cumulative, total = {}, {}, 0
hits, misses, uncached, bad = 0, 0, 0, 0  -- globals: done() reads them from each thread
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("MIXED_PATHS")) do
    local weight, path = line:match("^(%S+) (.+)$")
    total = total + tonumber(weight)
    table.insert(paths, path)
    table.insert(cumulative, total)
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  local r, low, high = math.random() * total, 1, #cumulative
  while low < high do
    local mid = math.floor((low + high) / 2)
    if cumulative[mid] < r then low = mid + 1 else high = mid end
  end
  return wrk.format("GET", paths[low])
end

function response(status, headers, body)
  local cache = headers["X-Page-Cache"]
  if status >= 400 then bad = bad + 1 end
  if cache == "hit" then hits = hits + 1 elseif cache == "miss" then misses = misses + 1 else uncached = uncached + 1 end
end

function done(summary, latency, requests)
  local h, m, u, b = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    h = h + thread:get("hits"); m = m + thread:get("misses"); u = u + thread:get("uncached"); b = b + thread:get("bad")
  end
  io.write(string.format(
    'MIXED_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"hits": %d, "misses": %d, "uncached": %d, "errors_4xx_5xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, h, m, u, b, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
