"""GPU-slot allocator, on CPU with fake device lists: each concurrent job gets its own device."""

import multiprocessing as mp
import time

import numpy as np
import pytest

from ptft.gpu_slots import NoFreeSlot, gpu_slot, jobs_per_gpu, release, try_lock, visible_devices


def _job(lock_dir, devices, hold_s, queue, env=None):
    env = {} if env is None else env
    with gpu_slot(devices=devices, lock_dir=lock_dir, env=env) as got:
        start = time.monotonic()
        time.sleep(hold_s)
        queue.put((env["CUDA_VISIBLE_DEVICES"], got, start, time.monotonic()))


def _run_jobs(lock_dir, devices, n, env=None) -> list:
    """`n` processes each holding a slot for 0.3 s; their (device, devices, start, end), after all exited cleanly."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_job, args=(lock_dir, devices, 0.3, queue, dict(env or {}))) for _ in range(n)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return results


def test_concurrent_jobs_never_share_a_device(tmp_path):
    """6 processes, 2 fake devices: intervals on one device never overlap (exact), every job ran."""
    results = _run_jobs(tmp_path, ["0", "1"], 6)
    assert {r[0] for r in results} <= {"0", "1"}
    assert all([r[0]] == r[1] for r in results)
    for device in ("0", "1"):
        spans = sorted((s, e) for d, _, s, e in results if d == device)
        assert all(prev_end <= start for (_, prev_end), (start, _) in zip(spans, spans[1:]))


def test_slot_sets_and_restores_env(tmp_path):
    env = {"CUDA_VISIBLE_DEVICES": "2,3"}
    with gpu_slot(devices=visible_devices(env), lock_dir=tmp_path, env=env) as got:
        assert got == ["2"] and env["CUDA_VISIBLE_DEVICES"] == "2"
        with gpu_slot(devices=["2", "3"], lock_dir=tmp_path, env={}) as other:
            assert other == ["3"]
    assert env["CUDA_VISIBLE_DEVICES"] == "2,3"


def test_two_devices_for_one_job(tmp_path):
    env = {}
    with gpu_slot(2, devices=["0", "1", "2"], lock_dir=tmp_path, env=env) as got:
        assert got == ["0", "1"] and env["CUDA_VISIBLE_DEVICES"] == "0,1"
    assert "CUDA_VISIBLE_DEVICES" not in env


def test_timeout_when_all_busy(tmp_path):
    with gpu_slot(devices=["0"], lock_dir=tmp_path, env={}):
        with pytest.raises(NoFreeSlot), gpu_slot(devices=["0"], lock_dir=tmp_path, env={}, timeout_s=0.2):
            pass


def test_too_many_devices_requested(tmp_path):
    with pytest.raises(ValueError, match="2 GPU"), gpu_slot(2, devices=["0"], lock_dir=tmp_path, env={}):
        pass


def test_noop_without_cuda_or_under_slurm(tmp_path):
    assert visible_devices({"CUDA_VISIBLE_DEVICES": ""}) == []
    env = {"CUDA_VISIBLE_DEVICES": ""}
    with gpu_slot(env=env, lock_dir=tmp_path) as got:
        assert got == [] and env == {"CUDA_VISIBLE_DEVICES": ""}
    env = {"SLURM_JOB_ID": "7", "CUDA_VISIBLE_DEVICES": "0"}
    with gpu_slot(env=env, lock_dir=tmp_path) as got:
        assert got == [] and env["CUDA_VISIBLE_DEVICES"] == "0"
    with gpu_slot(0, devices=["0"], lock_dir=tmp_path, env=env) as got:
        assert got == []
    assert not list(tmp_path.iterdir())


def test_jobs_share_a_device_up_to_its_slots(tmp_path):
    """PTFT_JOBS_PER_GPU=2, one fake device, 5 processes: never more than 2 at once on it, every job ran."""
    results = _run_jobs(tmp_path, ["0"], 5, {"PTFT_JOBS_PER_GPU": "2"})
    events = sorted([(s, 1) for *_, s, _ in results] + [(e, -1) for *_, e in results])
    running = np.cumsum([step for _, step in events])
    assert running.max() == 2 and len(results) == 5


def test_slots_spread_over_devices_and_one_job_never_takes_two_slots_of_a_device(tmp_path):
    env = {"PTFT_JOBS_PER_GPU": "3"}
    with gpu_slot(devices=["0", "1"], lock_dir=tmp_path, env=dict(env)) as a, \
            gpu_slot(devices=["0", "1"], lock_dir=tmp_path, env=dict(env)) as b, \
            gpu_slot(devices=["0", "1"], lock_dir=tmp_path, env=dict(env)) as c:
        assert (a, b, c) == (["0"], ["1"], ["0"])
        with gpu_slot(2, devices=["0", "1"], lock_dir=tmp_path, env=dict(env)) as pair:
            assert sorted(pair) == ["0", "1"]
    with pytest.raises(ValueError, match="2 GPU"), gpu_slot(2, devices=["0"], lock_dir=tmp_path, env=dict(env)):
        pass


@pytest.mark.parametrize("value", ["0", "-1", "two", ""])
def test_bad_jobs_per_gpu_is_named(value):
    with pytest.raises(ValueError, match="PTFT_JOBS_PER_GPU"):
        jobs_per_gpu({"PTFT_JOBS_PER_GPU": value})
    assert jobs_per_gpu({}) == 1


def test_a_job_goes_to_the_least_loaded_device_whatever_slots_are_free(tmp_path):
    """k = 3: device 0 runs two jobs (its slots 1 and 2, the jobs on slot 0 having ended), device 1 one job: the
    next job goes to device 1."""
    held = [("0", try_lock(tmp_path, "0", 1)), ("0", try_lock(tmp_path, "0", 2)), ("1", try_lock(tmp_path, "1", 0))]
    try:
        with gpu_slot(devices=["0", "1"], lock_dir=tmp_path, env={"PTFT_JOBS_PER_GPU": "3"}) as got:
            assert got == ["1"]
    finally:
        release(held)
