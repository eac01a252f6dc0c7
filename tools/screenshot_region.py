"""Screenshots of the smart region: a case handed from Bengbu to Huainan, its progress back.

Starts a Mosquitto on loopback, publishes the built-in simulation into it as
Bengbu's feed (``city-console simulate --to``), and runs two consoles on it:
Bengbu with its window (prefix ``bengbu``, Huainan as a neighbour on the same
broker) and a headless Huainan (prefix ``huainan``). A lorry crash near the
western border is handed to Huainan, which accepts, opens and dispatches it;
the shots show Bengbu's case pane with Huainan's progress, the hand-off dialog
and the Neighbouring centres window. Used by ``tools/make-screenshots.sh``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the broker of the tests

from console.qt.qt_env import prepare_qt_environment

prepare_qt_environment(headless=True)

from PySide6.QtCore import QTimer  # noqa: E402

from console.core.incidents.lifecycle import Verb  # noqa: E402
from console.core.runtime import ConsoleCore, CoreOptions, build_core  # noqa: E402
from console.qt.app import use_city_timezone  # noqa: E402
from console.qt.console_app import build_console  # noqa: E402
from console.qt.region_view import RegionUi  # noqa: E402
from console.qt.scratch import pump, scratch_app, scratch_core  # noqa: E402
from tests.support.mosquitto import Mosquitto, require_mosquitto  # noqa: E402

SCENE = (117.0575, 32.9420)
"""On the road west of Huaiyuan towards Huainan."""
OPERATOR = "王敏"


def huainan_core(url: str, work: Path, start: float) -> ConsoleCore:
    """The neighbouring centre, headless, on its own database and prefix."""
    return build_core(
        CoreOptions(
            database_url=f"sqlite:///{work / 'huainan.db'}",
            history_dir=work / "huainan-history",
            start=start,
            speed=1.0,
            colleague_share=0.0,
            bus_url=f"{url}?prefix=huainan",
            bus_options=(("client_id", "huainan-desk-1"),),
            neighbours=(("bengbu", url),),
            console_id="huainan-desk-1",
        )
    )


def main(out: Path) -> int:
    use_city_timezone("bengbu")
    app = scratch_app()
    with tempfile.TemporaryDirectory(prefix="region-shot-") as tmp:
        broker = Mosquitto(require_mosquitto(), Path(tmp) / "broker")
        broker.start()
        feed = subprocess.Popen(
            [sys.executable, "-m", "console", "simulate", "--to", broker.url, "--seconds", "90"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            return shoot(app, broker.url, Path(tmp), out)
        finally:
            feed.terminate()
            feed.wait(10)
            broker.stop()


def shoot(app: object, url: str, work: Path, out: Path) -> int:
    start = time.time()
    options = CoreOptions(
        start=start,
        speed=1.0,
        colleague_share=0.0,
        bus_url=url,
        bus_options=(("client_id", "bengbu-desk-1"),),
        neighbours=(("huainan", url),),
        console_id="bengbu-desk-1",
    )
    core, folder = scratch_core("region_shot_", options)
    huainan = huainan_core(url, work, start)
    window, workflow = build_console(core, OPERATOR, folder / "profile")
    window.resize(1680, 1000)
    window.show()
    drain = QTimer()
    drain.timeout.connect(huainan.bus.drain)  # the neighbour's own frame tick
    drain.start(40)
    core.start()
    huainan.start()
    pump(app, 12.0)  # type: ignore[arg-type]
    case = core.incidents.report(
        "road_accident", *SCENE, "货车与轿车相撞后货车向淮南方向逃逸", OPERATOR, reporter="110"
    )
    core.incidents.accept(case.id, OPERATOR)
    core.incidents.act(case.id, Verb.OPEN, OPERATOR)
    pump(app, 1.0)  # type: ignore[arg-type]
    queue = window.panes["incident_queue"]
    queue.select_case(case.id)  # type: ignore[attr-defined]
    pump(app, 0.5)  # type: ignore[arg-type]
    workflow.actions.actions["hand_off"].trigger()
    pump(app, 1.0)  # type: ignore[arg-type]
    dialog = workflow.actions.active_dialog
    if dialog is None:
        print("the hand-off dialog did not open", file=sys.stderr)
        return 1
    dialog.choose("huainan")  # type: ignore[attr-defined]
    dialog.reason.setText("肇事货车沿G206向淮南方向逃逸，请淮南拦截")  # type: ignore[attr-defined]
    pump(app, 0.3)  # type: ignore[arg-type]
    dialog.grab().save(str(out.with_name("region-handoff.png")))
    dialog.accept()
    deadline = time.monotonic() + 20
    while huainan.incidents.count() == 0 and time.monotonic() < deadline:
        pump(app, 0.2)  # type: ignore[arg-type]
    taken = huainan.incidents.list_open()[0]
    huainan.incidents.accept(taken.id, "李娜")
    huainan.incidents.act(taken.id, Verb.OPEN, "李娜")
    unit = huainan.recommend(huainan.incidents.get(taken.id))[0].unit  # type: ignore[arg-type]
    huainan.incidents.dispatch(taken.id, unit.unit_id, "李娜")
    pump(app, 6.0)  # type: ignore[arg-type]
    queue.select_case(case.id)  # type: ignore[attr-defined]
    pump(app, 1.0)  # type: ignore[arg-type]
    window.grab().save(str(out))
    region = window.findChild(RegionUi)
    if isinstance(region, RegionUi):
        view = region.open_view()
        view.resize(1100, 520)
        pump(app, 2.5)  # type: ignore[arg-type]
        view.grab().save(str(out.with_name("region-centres.png")))
        view.close()
    drain.stop()
    huainan.stop()
    core.stop()
    window.close()
    print(f"screenshots saved: {out} and beside it")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots/region.png")))
