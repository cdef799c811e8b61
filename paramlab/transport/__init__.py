"""One HTTP transport for every call ParamLab makes (see ARCHITECTURE.md)."""
