"""One cached services object: reloading the module (as Streamlit does when a file changes) keeps
the ledger, prices and observers instead of resetting them to empty module globals."""
import importlib

from paramlab.client import observers


def test_services_survive_a_module_reload(ledger_at):
    from components.common import services
    led = ledger_at()
    svc = services.get()
    assert svc.ledger is led and svc.prices is not None
    assert svc.observers == ("pricing", "ledger", "requestlog")
    assert set(svc.observers) <= set(observers._observers)
    reloaded = importlib.reload(services)
    assert reloaded.get() is svc and reloaded.ledger() is led
    assert reloaded.ledger_status() is None and reloaded.prices() is svc.prices
