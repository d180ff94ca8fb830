"""flows.launch.launch_settings: a launch run by the CLI has no Prefect flow-run heartbeat (the
end of each run waited for the heartbeat thread), unless the heartbeat's frequency is set."""

from __future__ import annotations

from prefect.settings import get_current_settings, temporary_settings

from flows.launch import launch_settings


def test_a_launch_has_no_prefect_heartbeat_by_default() -> None:
    assert "heartbeat_frequency" not in get_current_settings().flows.model_fields_set
    assert get_current_settings().flows.heartbeat_frequency == 180  # Prefect's default
    with launch_settings():
        assert get_current_settings().flows.heartbeat_frequency is None
    assert get_current_settings().flows.heartbeat_frequency == 180


def test_a_heartbeat_frequency_someone_set_is_kept() -> None:
    with temporary_settings(updates={"flows.heartbeat_frequency": 60}), launch_settings():
        assert get_current_settings().flows.heartbeat_frequency == 60
