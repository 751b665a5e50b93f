-- wrk script of scripts/loadtest.sh. LT_MODE says what each request is:
--   get     the URL given to wrk, as it is (a static request: wrk formats it once)
--   byid    GET /api/v1/events/ID over the ids listed in LT_IDS
--   create  POST /api/v1/events: an activity held in 2025 in a village of LT_VILLAGES
-- LT_TOKEN, when set, is sent as the bearer token. done() prints one line, LTRESULT {json},
-- that cmd/loadtest's report reads.

local mode = os.getenv("LT_MODE") or "get"
local token = os.getenv("LT_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

local function lines(path)
  local t = {}
  for l in io.lines(path) do
    if l ~= "" then t[#t + 1] = l end
  end
  return t
end

-- Each thread starts at another place in the lists.
local nextThread = 0
function setup(thread)
  thread:set("offset", nextThread * 7919)
  nextThread = nextThread + 1
end

local list = {}
local n = 0

function init(args)
  n = offset or 0
  if mode == "byid" then
    list = lines(os.getenv("LT_IDS"))
  elseif mode == "create" then
    list = lines(os.getenv("LT_VILLAGES"))
  end
end

if mode == "byid" then
  function request()
    n = n + 1
    return wrk.format("GET", "/api/v1/events/" .. list[n % #list + 1])
  end
elseif mode == "create" then
  local body = '{"type":"activity","orgId":"%s","category":"moral","subcategory":"lecture","title":"压测宣讲",' ..
    '"startsAt":"2025-%02d-%02dT09:00:00+08:00","endsAt":"2025-%02d-%02dT11:00:00+08:00",' ..
    '"place":"村部","status":"held","othersCount":%d}'
  wrk.headers["Content-Type"] = "application/json"
  function request()
    n = n + 1
    local month, day = n % 12 + 1, n % 28 + 1
    return wrk.format("POST", "/api/v1/events", nil,
      string.format(body, list[n % #list + 1], month, day, month, day, n % 60))
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('LTRESULT {"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,"timeouts":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
