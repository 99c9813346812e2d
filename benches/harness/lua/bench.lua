-- wrk script of the hertz-rs benchmark: builds the scenario's requests and checks EVERY
-- response (status 200 and the exact body), then prints one machine-readable line.
--
--   wrk ... -s bench.lua URL -- plaintext|json DEPTH
--   wrk ... -s bench.lua URL -- echo DEPTH SIZE
--   wrk ... -s bench.lua URL -- github DEPTH ROUTES.tsv
--
-- DEPTH > 1 pipelines: each write carries DEPTH copies of the request.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

-- The echo body: SIZE bytes of a repeating 36-character alphabet (the same as the Rust
-- load generator's).
local function echo_body(size)
   local alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
   local body = string.rep(alphabet, math.floor(size / #alphabet) + 1)
   return string.sub(body, 1, size)
end

function init(args)
   kind = args[1]
   depth = tonumber(args[2]) or 1
   bad_status = 0
   bad_body = 0
   local single
   if kind == "plaintext" then
      expected = "Hello, World!"
      single = wrk.format("GET", "/plaintext")
   elseif kind == "json" then
      expected = '{"message":"Hello, World!"}'
      single = wrk.format("GET", "/json")
   elseif kind == "echo" then
      expected = echo_body(tonumber(args[3]))
      single = wrk.format("POST", "/echo", { ["Content-Type"] = "application/octet-stream" }, expected)
   elseif kind == "github" then
      -- Every route answers its own pattern; wrk cannot tell which request an answer belongs
      -- to, so the body must be one of the patterns (the pre-flight check is exact).
      valid = {}
      paths = {}
      for line in io.lines(args[3]) do
         if line ~= "" and string.sub(line, 1, 1) ~= "#" then
            local pattern, path = string.match(line, "^([^\t]+)\t(.+)$")
            valid[pattern] = true
            table.insert(paths, wrk.format("GET", path))
         end
      end
      cursor = 0
      -- Dynamic requests: wrk calls request() for each one.
      request = function()
         cursor = cursor % #paths + 1
         return paths[cursor]
      end
      return
   else
      error("unknown scenario kind " .. tostring(kind))
   end
   -- Static requests: wrk builds its request once, from wrk.format(), after init.
   local batch = string.rep(single, depth)
   wrk.format = function() return batch end
end

function response(status, headers, body)
   if status ~= 200 then
      bad_status = bad_status + 1
   elseif valid then
      if not valid[body] then bad_body = bad_body + 1 end
   elseif body ~= expected then
      bad_body = bad_body + 1
   end
end

function done(summary, latency, requests)
   local bs, bb = 0, 0
   for _, thread in ipairs(threads) do
      bs = bs + thread:get("bad_status")
      bb = bb + thread:get("bad_body")
   end
   local e = summary.errors
   io.write(string.format(
      'WRK_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"bad_status":%d,"bad_body":%d}\n',
      summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
      e.status, e.timeout, bs, bb))
end
