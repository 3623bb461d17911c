"""The fault run in small: each fault once during its batch; nothing lost, nothing doubled."""

from plenary_devstack import chaos
from plenary_devstack.testing import FAST_TIMINGS, run_dir

SMALL = chaos.Options(count=300, pause_seconds=8, hold_seconds=5, patience=90)


def test_every_fault_happens_and_no_acknowledged_nomination_is_lost_or_doubled():
    root = run_dir() / "chaos"
    for log in (root / "logs").glob("*.log"):
        log.unlink()
    with chaos.stack(root, extra_env=FAST_TIMINGS) as (platform, proxy):
        outcomes = chaos.run(platform, proxy, SMALL)
    report = chaos.table(outcomes)
    print(report)
    assert [o.fault for o in outcomes] == list(chaos.FAULTS)
    for o in outcomes:
        assert o.happened, f"{o.fault} did not happen: {o.evidence}\n{report}"
        assert o.acknowledged, f"{o.fault}: no nomination acknowledged\n{report}"
        assert (o.lost, o.doubled) == (0, 0), f"{o.fault}\n{report}"
