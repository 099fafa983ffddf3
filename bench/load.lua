-- wrk's script for bench/http.py: the requests, and a one-line JSON summary at the end.
--
--   wrk -t1 -c8 -d10s -s bench/load.lua URL -- KIND TOKEN PATH CUSTOMERS PREFIX
--
-- KIND   get: GET PATH, "{c}" in it replaced by a random customer C0 .. C(CUSTOMERS-1)
--        post: POST PATH with a new invoice for a random customer; its id is
--              PREFIX-THREAD-COUNTER, so unique across threads and (by PREFIX) across runs
--        quote: POST PATH with the same cart for a random customer, no id
-- TOKEN  sent as "Authorization: Bearer TOKEN" ("-" sends none)

local CART = '"store":1,"lines":[{"sku":"TIRE","qty":"1","price":"120.00"},'
  .. '{"sku":"LAB","item_type":"labor","qty":"1","price":"40.00"}]'

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  kind, token, path, customers, prefix = args[1], args[2], args[3], tonumber(args[4]), args[5]
  counter = 0
  math.randomseed(os.time() * 1000 + id)
  wrk.headers["Content-Type"] = "application/json"
  if token ~= "-" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
end

function request()
  local customer = "C" .. math.random(0, customers - 1)
  if kind == "get" then
    return wrk.format("GET", (string.gsub(path, "{c}", customer)))
  end
  local body
  if kind == "post" then
    counter = counter + 1
    body = string.format('{"id":"%s-%d-%d","customer":"%s",%s}', prefix, id, counter,
                         customer, CART)
  else
    body = string.format('{"customer":"%s",%s}', customer, CART)
  end
  return wrk.format("POST", path, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,'
    .. '"mean_us":%.1f,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
