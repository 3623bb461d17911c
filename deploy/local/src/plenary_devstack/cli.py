"""`plenary`: run the platform, print tokens and policies, provision a database, make keys."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from plenary_devstack.keys import ensure_keys

RUN_DIR = Path(os.environ.get("PLENARY_RUN_DIR", ".run"))


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `plenary` command."""
    parser = argparse.ArgumentParser(prog="plenary", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start everything with demo data; Ctrl-C stops it all")
    run.add_argument("--fresh", action="store_true", help="drop the database first")
    run.add_argument("--no-demo", action="store_true", help="do not load demo data")
    token = sub.add_parser("token", help="print a development token")
    token.add_argument(
        "--role",
        default="organiser",
        choices=["organiser", "accreditation_desk", "focal_point", "participant"],
    )
    token.add_argument("--delegation", help="the delegation id of a focal point")
    token.add_argument("--subject", help="who the token is for")
    republish = sub.add_parser(
        "republish",
        help="publish every outbox event since a moment again (after a broker lost data)",
    )
    republish.add_argument(
        "--since", required=True, help="ISO-8601 moment with offset, e.g. 2026-12-01T10:00:00Z"
    )
    republish.add_argument(
        "--service", action="append", help="only this service (repeatable); default: all four"
    )
    sub.add_parser("provision", help="create schemas and roles and migrate (admin DATABASE_URL)")
    sub.add_parser("policy", help="print who may do what in every service, as a Markdown table")
    keys = sub.add_parser("keys", help="create the signing and data keys in a folder")
    keys.add_argument("--out", type=Path, default=RUN_DIR / "keys")
    args = parser.parse_args(argv)

    if args.command == "run":
        return _run(fresh=args.fresh, demo=not args.no_demo)
    if args.command == "token":
        if args.role == "focal_point" and not args.delegation:
            parser.error("a focal point token needs --delegation <delegation id>")
        print(
            ensure_keys(RUN_DIR / "keys").token(
                args.role, subject=args.subject, delegation_id=args.delegation
            )
        )
        return 0
    if args.command == "republish":
        return _republish(args.since, args.service)
    if args.command == "policy":
        from plenary_devstack.policies import markdown

        print(markdown())
        return 0
    if args.command == "provision":
        from sqlalchemy.engine import make_url

        from plenary_devstack.provision import SERVICES, provision

        admin = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql+asyncpg")
        # each role's password from the URL its service is given (<SERVICE>_DATABASE_URL), if set
        passwords = {}
        for service in SERVICES:
            url = os.environ.get(f"{service.upper()}_DATABASE_URL")
            password = make_url(url).password if url else None
            if password:
                passwords[service] = str(password)
        provision(
            admin.render_as_string(hide_password=False),
            database=admin.database or "plenary",
            passwords=passwords,
        )
        print("provisioned")
        return 0
    if args.command == "keys":
        ensure_keys(args.out)
        print(f"keys in {args.out}")
        return 0
    return 2


def _republish(since: str, only: list[str] | None) -> int:
    """Ask each service to re-publish its outbox since a moment; print how many rows each queued."""
    import httpx

    from plenary_devstack.provision import SERVICES
    from plenary_devstack.stack import DEFAULT_PORTS

    unknown = sorted(set(only or ()) - set(SERVICES))
    if unknown:
        print(f"unknown service(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    token = ensure_keys(RUN_DIR / "keys").token("organiser", subject="plenary-republish")
    failed = False
    for service in only or SERVICES:
        base = os.environ.get(
            f"{service.upper()}_URL", f"http://127.0.0.1:{DEFAULT_PORTS[service]}"
        )
        try:
            response = httpx.post(
                f"{base}/v1/ops/outbox/republish",
                json={"since": since},
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )
        except httpx.HTTPError as exc:
            print(f"{service:<13} unreachable at {base} ({type(exc).__name__})", file=sys.stderr)
            failed = True
            continue
        if response.status_code != 202:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            print(f"{service:<13} refused ({response.status_code}): {detail}", file=sys.stderr)
            failed = True
            continue
        print(f"{service:<13} {response.json()['queued']} rows queued")
    return 1 if failed else 0


def _run(*, fresh: bool, demo: bool) -> int:
    from plenary_devstack import demo as demo_data
    from plenary_devstack.stack import Platform

    platform = Platform(root=RUN_DIR, fresh_database=fresh)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        platform.start(say=lambda msg: print(f"· {msg}", flush=True))
        assert platform.keys is not None
        organiser = platform.keys.token("organiser", subject="dev-organiser")
        urls = {s: platform.url(s) for s in platform.ports}
        if demo:
            demo_data.load(
                urls=urls,
                token=organiser,
                say=lambda m: print(f"· {m}", flush=True),
                mail=platform.mail,
            )
        _summary(platform, urls, organiser, accounts=demo)
        while all(p.poll() is None for p in platform.processes.values()):
            _restart_a_dead_broker(platform)
            time.sleep(0.5)
        print("a service exited; see the logs in", platform.logs, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
        return 0
    finally:
        platform.stop()


def _restart_a_dead_broker(platform) -> None:
    """The embedded broker died: start an empty one; the services remake topics and republish."""
    broker = platform.broker
    if broker is None or broker.process is None or broker.process.poll() is None:
        return
    print(
        "· the broker stopped; starting a new one (the services recreate their topics and"
        " republish their outbox)",
        flush=True,
    )
    platform.replace_broker()


def _summary(platform, urls: dict[str, str], organiser: str, *, accounts: bool) -> None:
    from plenary_devstack import demo as demo_data

    portal = f"http://127.0.0.1:{platform.ports.get('portal', 8000)}"
    lines = ["", "Plenary is running.", "", f"  portal        {portal}"]
    for service, url in urls.items():
        if service != "portal":
            lines.append(f"  {service:<13} {url}   (API docs {url}/docs)")
    assert platform.broker is not None and platform.postgres is not None
    lines += [
        f"  broker        {platform.broker.bootstrap}",
        f"  database      {platform.database} ({platform.postgres.where()})",
        f"  logs          {platform.logs}/",
        *(
            [
                f"  caught mail   {platform.mail.web_url}   (SMTP 127.0.0.1:{platform.mail.smtp_port})"
            ]
            if platform.mail is not None
            else []
        ),
        *(
            [
                "",
                f"Demo portal accounts, all with the password {demo_data.PASSWORD} "
                "(development only):",
                "",
                *(f"  {role:<19} {email:<31} {who}" for email, role, _, who in demo_data.ACCOUNTS),
            ]
            if accounts
            else []
        ),
        "",
        "Organiser token (valid 12 h; `make token ROLE=focal_point DELEGATION=<id>` for others):",
        "",
        organiser,
        "",
        "Ctrl-C stops everything.",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
