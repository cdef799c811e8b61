"""ParamLab — Usage: what the experiments cost and where the tokens went, from the usage ledger."""
import streamlit as st

from components.common import state
from components.usage import charts as usage_charts
from components.usage import data as usage_data
from components.usage import export as usage_export
from components.usage import filters as usage_filters
from components.usage import forecast as usage_forecast
from components.usage import labels as usage_labels
from components.usage import settings as usage_settings
from components.usage import tables as usage_tables
from components.usage import whatif as usage_whatif

st.set_page_config(page_title="ParamLab · Usage", layout="wide")
state.init()

st.title("📊 Usage", anchor=False)
led = usage_data.ledger_or_stop()
view = usage_filters.render(led)
data = usage_data.load_or_stop(led, view)
usage_charts.summary(data)
usage_charts.render(data, view.bucket, view.tz_offset_s)
usage_forecast.render(led, view)
usage_whatif.render(led, view)
usage_tables.sessions(data["sessions"])
usage_labels.editor(led, data["sessions"])
usage_tables.requests(led, data["recent"])
usage_export.render(led, view)
usage_settings.render()
