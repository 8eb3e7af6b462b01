-- pipeline.lua makes wrk send its request N times in one write (HTTP/1.1
-- pipelining, as in TechEmpower's plaintext test):
--   wrk -s pipeline.lua http://127.0.0.1:8888/plaintext -- 16
-- wrk counts each response, so Requests/sec counts pipelined requests.

local depth = 16
local batch

init = function(args)
   depth = tonumber(args[1]) or depth
   local r = {}
   for i = 1, depth do
      r[i] = wrk.format()
   end
   batch = table.concat(r)
end

request = function()
   return batch
end
