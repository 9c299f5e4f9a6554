-- wrk script for bench_intake.py --tool wrk: each request spends its own pre-solved
-- proof-of-work token (tokens split between threads) and the receipt codes are written
-- out for the verification step.
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local function urlencode(s)
  return (string.gsub(s, "[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  tokens = {}
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  stride = tonumber(args[2])
  target = args[3]
  out = io.open(args[4] .. "." .. id, "w")
  text = urlencode(args[5])
  idx = id + 1
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  local t = tokens[idx] or "exhausted"
  local n = idx
  idx = idx + stride
  local body = "kind=report&category=integrity&unit=" .. urlencode("江州市交通运输局") .. "&text=" .. text .. n .. "&altcha=" .. urlencode(t)
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["X-Forwarded-For"] = "10." .. id .. "." .. math.floor(n / 250) % 250 .. "." .. n % 250}
  return wrk.format(nil, target, headers, body)
end

function response(status, headers, body)
  local code = string.match(body, 'id="receipt%-code">([^<]+)<')
  if code then
    out:write(code, "\n")
    out:flush()
  elseif os.getenv("WRK_DEBUG") then
    io.stderr:write(status, " ", string.match(body, "role=\"alert\">([^<]+)<") or "?", "\n")
  end
end

function done(summary, latency, requests)
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"p50":%.3f,"p95":%.3f,"p99":%.3f,"non2xx":%d,"errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
