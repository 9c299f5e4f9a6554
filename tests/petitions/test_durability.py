"""A small run of bench/durability.py: SIGKILL gunicorn mid-load; no receipt lost or doubled."""

from bench.durability import run


def test_receipts_survive_sigkill(tmp_path):
    result = run(tmp_path / "data", 8164, receipts_wanted=40, kill_every=0.8, clients=4)
    assert result["kills"] >= 1
    assert result["receipts"] >= 40
    assert result["lost"] == 0
    assert result["duplicated_codes"] == 0
    assert result["found_rows"] == result["receipts"]
