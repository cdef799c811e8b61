"""The Parameter Guide's text for today's parameters (reasoning, tools, structured and audio
output, routing and storage), in English and Chinese. guide.py merges it into its entries.

Each entry: what it does, interactions, common mistakes, and the Lab line — (English, 中文).
"""
from __future__ import annotations

NOT_LAB = ("Not used by the Lab: it does not reshape the next-token distribution.",
           "实验室不使用它：它不改变下一个词元的概率分布。")

TEXTS: dict[str, tuple[tuple[str, str], ...]] = {
    "reasoning_effort": (
        ("How long a reasoning model thinks before it answers: none, minimal, low, medium, high, xhigh "
         "(and max on some backends). The thinking is spent as hidden reasoning tokens, billed as completion "
         "tokens; some servers show a summary of it (ParamLab's Thinking block).",
         "推理模型在作答前思考多久：none、minimal、low、medium、high、xhigh（部分后端还有 max）。"
         "思考消耗的是隐藏的推理词元，按补全词元计费；部分服务会返回思考摘要（ParamLab 的 Thinking 区块）。"),
        ("Reasoning tokens count against max_completion_tokens: with a small limit and high effort the "
         "reply can be empty with finish_reason \"length\". On gpt-5.1 and later, none turns reasoning off "
         "and temperature, top_p and logprobs are accepted again.",
         "推理词元计入 max_completion_tokens：上限很小而推理强度很高时，回复可能为空且 finish_reason 为 \"length\"。"
         "在 gpt-5.1 及之后的模型上，none 会关闭推理，此时又可以使用 temperature、top_p 和 logprobs。"),
        ("Sending it to a non-reasoning model (a 400), or expecting high effort to help simple questions: "
         "it mostly adds latency and cost.",
         "把它发给非推理模型（会返回 400），或以为高推理强度对简单问题也有帮助：它主要只会增加延迟和费用。"),
        NOT_LAB),
    "verbosity": (
        ("A hint to gpt-5-family models about how long and detailed the visible answer should be: low, "
         "medium (the default) or high.",
         "提示 gpt-5 系列模型可见回答的长短与详略：low、medium（默认）或 high。"),
        ("Independent of reasoning_effort, which controls the hidden thinking. It is not a hard limit: use "
         "max_completion_tokens for that.",
         "与控制隐藏思考的 reasoning_effort 相互独立。它不是硬性上限：硬性上限请用 max_completion_tokens。"),
        ("Expecting other models to honour it; most reject or ignore it.",
         "以为其他模型也会遵循它；大多数模型会拒绝或忽略它。"),
        NOT_LAB),
    "tools": (
        ("The functions the model may call. Each is {type: \"function\", function: {name, description, "
         "parameters, strict}}; parameters is a JSON Schema of the arguments. Instead of text the model can "
         "answer with tool_calls (finish_reason \"tool_calls\"); you run the function and send its result "
         "back in a tool turn, then the model continues.",
         "模型可以调用的函数。每个工具为 {type: \"function\", function: {name, description, parameters, strict}}，"
         "parameters 是参数的 JSON Schema。模型可以不输出文字而返回 tool_calls（finish_reason 为 \"tool_calls\"）；"
         "你执行函数，把结果放在 tool 角色的消息里发回，模型再继续。"),
        ("tool_choice decides whether a call is allowed or forced; parallel_tool_calls whether several come "
         "at once. strict: true makes the arguments follow the schema exactly (every property required, "
         "additionalProperties false). Tool definitions count as prompt tokens.",
         "tool_choice 决定是否允许或强制调用；parallel_tool_calls 决定能否一次调用多个。strict: true 让参数严格遵循 schema"
         "（所有属性都必填，additionalProperties 为 false）。工具定义计入提示词元。"),
        ("Trusting the arguments without validating them against the schema (ParamLab shows whether they "
         "do); names with spaces (only letters, digits, _ and -, up to 64); forgetting the tool turn's "
         "tool_call_id.",
         "不按 schema 校验就信任参数（ParamLab 会显示是否通过校验）；名字里含空格（只能用字母、数字、_ 和 -，最多 64 个字符）；"
         "忘了在 tool 消息中填写 tool_call_id。"),
        NOT_LAB),
    "tool_choice": (
        ("Whether the model must call a tool: none forbids calls, auto lets it decide (the default when "
         "tools are given), required forces at least one call, and {type: \"function\", function: {name}} "
         "forces that function.",
         "模型是否必须调用工具：none 禁止调用，auto 由模型决定（提供工具时的默认值），required 强制至少调用一次，"
         "{type: \"function\", function: {name}} 强制调用指定函数。"),
        ("Needs tools (except none). Forcing a function is how you get structured arguments from models "
         "without json_schema support.",
         "需要同时提供 tools（none 除外）。对不支持 json_schema 的模型，强制调用某个函数是获得结构化参数的办法。"),
        ("Naming a function that is not in tools; leaving required on, so the conversation never ends with "
         "a text answer.",
         "指定了 tools 中不存在的函数；一直保持 required，导致对话永远得不到文字回答。"),
        NOT_LAB),
    "parallel_tool_calls": (
        ("Whether one reply may contain several tool calls (true by default).",
         "一次回复中是否可以包含多个工具调用（默认 true）。"),
        ("With several calls, answer every one of them (one tool turn per tool_call_id) before the model "
         "continues; ParamLab answers them together.",
         "有多个调用时，要在模型继续之前逐一回答（每个 tool_call_id 一条 tool 消息）；ParamLab 会一起回答它们。"),
        ("Answering only the first call: the next request is rejected because a tool_call_id has no answer.",
         "只回答第一个调用：下一次请求会因为某个 tool_call_id 没有回答而被拒绝。"),
        NOT_LAB),
    "functions": (
        ("Deprecated: the 2023 list of bare function definitions {name, description, parameters}, replaced "
         "by tools.",
         "已弃用：2023 年的函数定义列表 {name, description, parameters}，已被 tools 取代。"),
        ("Cannot be combined with tools. Replies carry a single function_call instead of tool_calls.",
         "不能与 tools 同时使用。回复中是单个 function_call，而不是 tool_calls。"),
        ("Starting new code with it: newer models may drop it; use tools.",
         "在新代码里使用它：较新的模型可能不再支持；请使用 tools。"),
        NOT_LAB),
    "function_call": (
        ("Deprecated: none, auto or {name} for the functions list; replaced by tool_choice.",
         "已弃用：针对 functions 列表的 none、auto 或 {name}；已被 tool_choice 取代。"),
        ("Only meaningful with functions.", "只有与 functions 一起使用才有意义。"),
        ("Mixing it with tools and tool_choice.", "把它与 tools、tool_choice 混用。"),
        NOT_LAB),
    "modalities": (
        ("What the model outputs: [\"text\"], or [\"text\", \"audio\"] for audio models, which then also speak "
         "the reply.",
         "模型输出的类型：[\"text\"]，或者对音频模型使用 [\"text\", \"audio\"]，此时模型还会朗读回复。"),
        ("With audio, the audio parameter (voice and format) is required. Audio output tokens are priced "
         "separately and much higher than text.",
         "包含 audio 时必须同时设置 audio 参数（声音和格式）。音频输出词元单独计价，且比文字贵得多。"),
        ("Asking a text-only model for audio (a 400).", "向只支持文字的模型请求音频（会返回 400）。"),
        NOT_LAB),
    "audio": (
        ("The voice (alloy, ash, coral, …) and file format (wav, aac, mp3, flac, opus, pcm16) of a spoken "
         "reply. The reply carries base64 audio plus its transcript; ParamLab plays it in the page.",
         "语音回复的声音（alloy、ash、coral 等）和文件格式（wav、aac、mp3、flac、opus、pcm16）。回复中包含 base64 音频"
         "及其文字稿；ParamLab 会在页面中播放。"),
        ("Only with modalities [\"text\", \"audio\"]. Streaming audio needs pcm16.",
         "只能与 modalities [\"text\", \"audio\"] 一起使用。流式音频需要 pcm16。"),
        ("Expecting the transcript in content: it is in message.audio.transcript.",
         "以为文字稿在 content 里：它在 message.audio.transcript 中。"),
        NOT_LAB),
    "prediction": (
        ("Predicted output: {type: \"content\", content} gives text the reply will mostly repeat (a file "
         "being edited), so matching tokens are accepted quickly.",
         "预测输出：{type: \"content\", content} 提供回复大部分会重复的文字（例如正在修改的文件），匹配的词元可以被快速接受。"),
        ("Reported in usage as accepted and rejected prediction tokens; rejected ones are billed as "
         "completion tokens. Not compatible with n > 1, logprobs or tools on OpenAI.",
         "用量中分别报告被接受和被拒绝的预测词元；被拒绝的也按补全词元计费。在 OpenAI 上不能与 n > 1、logprobs 或 tools 同时使用。"),
        ("Using it for replies that will differ a lot from the prediction: slower and dearer, not faster.",
         "在回复会与预测差别很大时使用：反而更慢、更贵。"),
        NOT_LAB),
    "web_search_options": (
        ("For search models: search_context_size (low, medium, high) sets how much web content is fetched; "
         "user_location {type: \"approximate\", approximate: {city, country, region, timezone}} localises "
         "results.",
         "用于搜索模型：search_context_size（low、medium、high）决定抓取多少网页内容；user_location "
         "{type: \"approximate\", approximate: {city, country, region, timezone}} 让结果本地化。"),
        ("Larger context costs more per request. The reply cites its sources in annotations.",
         "上下文越大，每次请求越贵。回复会在 annotations 中引用来源。"),
        ("Sending it to a model without search (a 400); a country that is not a two-letter ISO code.",
         "发给不支持搜索的模型（会返回 400）；country 不是两个字母的 ISO 代码。"),
        NOT_LAB),
    "service_tier": (
        ("Which processing tier serves the request: auto, default, flex (cheaper, slower, may be "
         "unavailable), priority (faster, dearer) or scale. The response reports the tier that was used.",
         "由哪个处理层级处理请求：auto、default、flex（更便宜、更慢，可能不可用）、priority（更快、更贵）或 scale。"
         "响应会报告实际使用的层级。"),
        ("Changes the price of the same tokens; the Usage page prices by the tier reported.",
         "同样的词元价格会不同；用量页面按响应报告的层级计价。"),
        ("Assuming the tier asked for is the tier served: read the response's service_tier.",
         "以为请求的层级就是实际使用的层级：请查看响应中的 service_tier。"),
        NOT_LAB),
    "store": (
        ("Whether the provider keeps this completion for its dashboard, evals and distillation.",
         "服务商是否保存这次补全，用于其控制台、评估和蒸馏。"),
        ("metadata tags stored completions so you can filter them.", "metadata 用来给保存的补全打标签，方便筛选。"),
        ("Storing prompts that contain personal data.", "保存了含有个人数据的提示词。"),
        NOT_LAB),
    "metadata": (
        ("Up to 16 key–value tags (keys up to 64 characters, values up to 512) attached to the request.",
         "最多 16 个键值标签（键最多 64 个字符，值最多 512 个字符），附加在请求上。"),
        ("Used with store to filter stored completions; it never changes the reply.",
         "与 store 一起用于筛选保存的补全；它从不改变回复内容。"),
        ("Numbers or booleans as values: every value must be text.", "用数字或布尔值作为值：所有值都必须是文本。"),
        NOT_LAB),
    "prompt_cache_key": (
        ("A key that routes requests with the same long prefix to the same prompt cache; replaces user for "
         "that purpose.",
         "一个键，把具有相同长前缀的请求路由到同一个提示缓存；在这方面取代 user。"),
        ("Cache hits appear as cached_tokens in usage and are billed at the cached-input price.",
         "缓存命中在用量中显示为 cached_tokens，按缓存输入价格计费。"),
        ("A different key per request: nothing is shared, so nothing is cached.",
         "每个请求用不同的键：没有共享，也就不会命中缓存。"),
        NOT_LAB),
    "prompt_cache_retention": (
        ("How long the provider keeps a cached prompt prefix: in_memory (5–10 minutes of inactivity, at most "
         "an hour) or 24h (extended caching, up to a day).",
         "服务商保留已缓存提示前缀的时长：in_memory（闲置 5–10 分钟，最多一小时）或 24h（扩展缓存，最多一天）。"),
        ("Works with prompt_cache_key: hits show as cached_tokens in usage, billed at the cached-input price "
         "under either policy.",
         "与 prompt_cache_key 配合使用：命中在用量中显示为 cached_tokens，两种策略都按缓存输入价格计费。"),
        ("Writing in-memory with a hyphen (in-memory): the API spells it in_memory.",
         "写成带连字符的 in-memory：API 的写法是 in_memory。"),
        NOT_LAB),
    "safety_identifier": (
        ("A stable id of your end user (at most 64 characters) for the provider's abuse monitoring; "
         "replaces user for that purpose.",
         "你的终端用户的稳定标识（最多 64 个字符），供服务商做滥用监控；在这方面取代 user。"),
        ("Lets the provider act on one abusive user instead of your whole organisation.",
         "让服务商只处理某个滥用的用户，而不是你的整个组织。"),
        ("Sending an email address or a name: send a hash.", "发送电子邮件地址或姓名：请发送哈希值。"),
        NOT_LAB),
}

SHORT_ZH = {
    "user": "你的终端用户标识，供服务商做滥用监控（已弃用：请用 safety_identifier / prompt_cache_key）。",
    "reasoning_effort": "推理模型作答前思考多少：none … xhigh（部分后端有 max）。",
    "verbosity": "可见回答的长短与详略：low、medium（默认）或 high。",
    "tools": "模型可以调用的函数工具：名称、说明、JSON Schema 参数、strict。",
    "tool_choice": "模型是否必须调用工具：none、auto、required，或指定一个函数。",
    "parallel_tool_calls": "允许一次回复包含多个工具调用（默认 true）。",
    "functions": "已弃用：旧的函数定义列表（请用 tools）。",
    "function_call": "已弃用：none、auto 或 {name}——tool_choice 的旧形式。",
    "modalities": "输出类型：[\"text\"] 或 [\"text\", \"audio\"]（仅音频模型）。",
    "audio": "语音回复设置：声音与格式（wav、aac、mp3、flac、opus、pcm16）。",
    "prediction": "预测输出：回复大部分会重复的文字，用来加速。",
    "web_search_options": "仅搜索模型：抓取多少网页内容，以及用户的大致位置。",
    "service_tier": "处理层级：auto、default、flex（更便宜更慢）、priority 或 scale。",
    "store": "在服务商处保存这次补全，用于蒸馏和评估。",
    "metadata": "最多 16 个键值标签（键 ≤ 64，值 ≤ 512 个字符），用于保存的补全。",
    "prompt_cache_key": "把相似请求路由到同一提示缓存的键（在缓存方面取代 user）。",
    "prompt_cache_retention": "缓存的提示前缀保留多久：in_memory（几分钟）或 24h（扩展缓存）。",
    "safety_identifier": "终端用户的稳定哈希标识，用于滥用监控（≤ 64 个字符；取代 user）。",
}
GROUP_ZH = {"Reasoning": "推理", "Tools": "工具", "Output": "输出"}
FORMS = {
    "en": {"tools": "a list of function tools", "tool_choice": "none | auto | required | a named function",
           "functions": "a list of function definitions", "function_call": "none | auto | {name}",
           "modalities": '["text"] or ["text", "audio"]', "audio": "{voice, format}",
           "prediction": '{"type": "content", "content": …}',
           "web_search_options": "{search_context_size, user_location}",
           "metadata": "up to 16 pairs; keys ≤ 64, values ≤ 512 characters", "str_max": "text, at most {n} characters"},
    "zh": {"tools": "函数工具列表", "tool_choice": "none | auto | required | 指定函数",
           "functions": "函数定义列表", "function_call": "none | auto | {name}",
           "modalities": '["text"] 或 ["text", "audio"]', "audio": "{voice, format}",
           "prediction": '{"type": "content", "content": …}',
           "web_search_options": "{search_context_size, user_location}",
           "metadata": "最多 16 对；键 ≤ 64、值 ≤ 512 个字符", "str_max": "文本，最多 {n} 个字符"},
}
DEPRECATED = {"en": "Deprecated: use {new}.", "zh": "已弃用：请改用 {new}。"}
