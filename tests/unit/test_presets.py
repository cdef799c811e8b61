"""Presets: built-ins load and validate; user presets save/rename/delete/import/export; bad files
get an error naming the file and the field while the rest still load."""
import pytest
import yaml

from paramlab.request import presets
from paramlab.request import schema

REQUIRED = {"deterministic", "balanced", "creative", "brainstorm", "code", "concise"}


def test_builtins_load_without_errors(tmp_path):
    loaded = presets.load_all(user=tmp_path)
    assert loaded.errors == []
    assert len(loaded.presets) >= 6
    names = " ".join(p.name.lower() for p in loaded.presets)
    for word in REQUIRED:
        assert word in names
    for p in loaded.presets:
        assert p.builtin and p.description
        assert schema.validate_params(p.params) == []
    brainstorm = next(p for p in loaded.presets if "brainstorm" in p.name.lower())
    assert brainstorm.params["n"] == 3


def test_apply_unsets_everything_else():
    p = presets.Preset("x", "d", {"temperature": 0.0})
    full = p.apply()
    assert full["temperature"] == 0.0 and full["top_p"] is None and set(full) == set(schema.PARAMS)


def test_bad_file_names_file_and_field_and_the_rest_load(tmp_path):
    (tmp_path / "good.yaml").write_text("name: Good\ndescription: fine\nparams: {temperature: 0.5}\n")
    (tmp_path / "hot.yaml").write_text("name: Hot\ndescription: too hot\nparams: {temperature: 7}\n")
    (tmp_path / "typo.yaml").write_text("name: Typo\ndescription: d\nparams: {temprature: 1}\nextra: 1\n")
    (tmp_path / "broken.yaml").write_text("name: [unclosed\n")
    (tmp_path / "nodesc.yaml").write_text("name: NoDesc\nparams: {}\n")
    loaded = presets.load_all(user=tmp_path)
    assert loaded.get("Good") is not None
    assert len([p for p in loaded.presets if p.builtin]) >= 6
    msgs = [str(e) for e in loaded.errors]
    assert any(m.startswith("hot.yaml: params.temperature:") and "between 0 and 2" in m for m in msgs)
    assert any(m.startswith("typo.yaml: params.temprature:") for m in msgs)
    assert any(m.startswith("typo.yaml: extra:") for m in msgs)
    assert any(m.startswith("broken.yaml: (yaml):") for m in msgs)
    assert any(m.startswith("nodesc.yaml: description:") for m in msgs)
    assert {"Hot", "Typo", "NoDesc"}.isdisjoint(p.name for p in loaded.presets)


def test_save_load_rename_delete(tmp_path):
    params = {**schema.defaults(), "temperature": 0.3, "stop": ["END"], "logit_bias": {50256: -100.0}}
    p = presets.save("My Preset", "for tests", params, user=tmp_path)
    assert p.path.parent == tmp_path and p.path.name == "my-preset.yaml"
    again = presets.load_all(user=tmp_path).get("My Preset")
    assert again.params == {"temperature": 0.3, "stop": ["END"], "logit_bias": {50256: -100.0}}
    with pytest.raises(presets.PresetInvalid, match="exists already"):
        presets.save("My Preset", "", params, user=tmp_path)
    presets.rename("My Preset", "Renamed", user=tmp_path)
    loaded = presets.load_all(user=tmp_path)
    assert loaded.get("My Preset") is None and loaded.get("Renamed").params["temperature"] == 0.3
    presets.delete("Renamed", user=tmp_path)
    assert presets.load_all(user=tmp_path).get("Renamed") is None
    assert list(tmp_path.iterdir()) == []


def test_builtins_cannot_be_deleted_or_renamed(tmp_path):
    with pytest.raises(presets.PresetInvalid, match="built-in"):
        presets.delete("Deterministic", user=tmp_path)
    with pytest.raises(presets.PresetInvalid, match="built-in"):
        presets.rename("Deterministic", "X", user=tmp_path)


def test_save_rejects_invalid_settings_naming_the_field(tmp_path):
    with pytest.raises(presets.PresetInvalid) as e:
        presets.save("Bad", "d", {"top_p": 3.0}, user=tmp_path)
    assert "params.top_p" in str(e.value)
    with pytest.raises(presets.PresetInvalid, match="name: must not be empty"):
        presets.save("  ", "d", {}, user=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_export_import_round_trip(tmp_path):
    builtin = presets.load_all(user=tmp_path).get("Deterministic")
    fname, text = presets.export(builtin)
    assert fname == "deterministic.yaml" and yaml.safe_load(text)["params"] == builtin.params
    other = tmp_path / "other"
    other.mkdir()
    data = text.replace("name: Deterministic", "name: Imported").encode()
    p = presets.import_bytes(data, "mine.yaml", user=other)
    assert presets.load_all(user=other).get("Imported").params == builtin.params
    with pytest.raises(presets.PresetInvalid) as e:
        presets.import_bytes(b"name: X\ndescription: d\nparams: {n: 0}\n", "upload.yaml", user=other)
    assert str(e.value).startswith("upload.yaml: params.n:")
    assert p.path.exists()


def test_stream_is_not_a_preset_parameter(tmp_path):
    (tmp_path / "s.yaml").write_text("name: S\ndescription: d\nparams: {stream: true}\n")
    assert any(e.field == "params.stream" for e in presets.load_all(user=tmp_path).errors)


def test_a_preset_may_carry_the_system_prompt(tmp_path):
    p = presets.save("With system", "d", {"temperature": 0.2}, user=tmp_path, system="Be brief.\nNo lists.")
    again = presets.load_all(user=tmp_path).get("With system")
    assert again.system == "Be brief.\nNo lists." and again.params == {"temperature": 0.2}
    assert presets.load_all(user=tmp_path).get("Balanced").system is None  # params only: prompt untouched
    assert presets.import_bytes(p.to_yaml().encode().replace(b"With system", b"Imported"), "x.yaml",
                                user=tmp_path).system == "Be brief.\nNo lists."
    with pytest.raises(presets.PresetInvalid, match="system: must be text"):
        presets.parse("name: x\ndescription: d\nparams: {}\nsystem: [1, 2]\n", "bad.yaml")


def test_balanced_does_not_claim_to_be_the_api_defaults():
    p = presets.load_all().get("Balanced")
    assert p.params == {"temperature": 0.7, "top_p": 1.0, "max_tokens": 512}
    assert "default" not in p.description.lower().split("not the api's defaults")[0]
