"""Airflow's ``[core] hostname_callable`` for the distributed tests (tests/airflow_stack.py puts
this folder on the PYTHONPATH of the Airflow processes it starts)."""

from __future__ import annotations


def hostname_from_env() -> str:
    """``[core] hostname_callable`` for several Airflow workers on one machine: the name in
    ``REKAP_AIRFLOW_HOSTNAME`` when set (so task instances say which worker ran them), else the
    machine's name as Airflow would report it."""
    from rekap.settings import airflow_hostname

    name = airflow_hostname()
    if name:
        return name
    from airflow.utils.net import getfqdn

    return getfqdn()
