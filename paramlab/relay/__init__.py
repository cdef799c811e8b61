"""ParamLab Relay: an OpenAI-compatible endpoint that records the traffic it forwards."""
