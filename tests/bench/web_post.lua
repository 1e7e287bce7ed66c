-- wrk script: every request a different complaint form post (its own token
-- and sender), so that none is a duplicate and each is one committed
-- transaction with its acknowledgement's outbox row.
local counter = 0

local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

local texts = {
  "%E7%94%B5%E6%B0%B4%E5%A3%B6%E7%94%A8%E4%BA%86%E4%B8%89%E5%A4%A9%E5%B0%B1%E6%BC%8F%E6%B0%B4",
  "The+courier+was+rude+and+the+delivery+was+five+days+late.",
  "I+was+charged+twice+for+one+order+and+want+a+refund.",
}

request = function()
  counter = counter + 1
  local id = string.format("%d-%d-%d", thread_id, counter, math.random(1, 1000000000))
  local body = "name=Bench+" .. id .. "&email=b" .. id .. "%40bench.example"
    .. "&order_no=SO-" .. id .. "&description=" .. texts[counter % 3 + 1]
    .. "&request=refund&lang=zh&token=bench" .. string.rep("0", 12) .. id
  return wrk.format("POST", "/complaint",
    { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
