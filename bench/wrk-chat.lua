-- wrk script: every request is a chat-completions POST shaped like the pipeline's (same model, a prompt of the
-- same length as the bench files' prompts), so wrk and the pipeline ask the simulator for the same work.
-- No response() hook: wrk itself counts non-2xx/3xx answers and socket errors (run.sh prints them).
-- usage: wrk -t2 -c C -d 10s -s bench/wrk-chat.lua http://127.0.0.1:18189/v1/chat/completions
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":'
  .. '"Summarise item 12345 of the benchmark in one short sentence."}]}'
