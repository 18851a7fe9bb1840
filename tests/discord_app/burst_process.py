"""The fake Discord in a process of its own, sending one burst: its work is then not counted against the bot.

Run by ``test_discord_load`` as ``python burst_process.py '<Burst as JSON>'``. Prints one JSON line with the
fake's addresses, waits for a line on standard input (the bot is connected and ready), sends the burst, prints
one JSON line with the ``BurstResult`` (or ``{"error": ...}``) and exits. Serves on 127.0.0.1 only; every wait is
bounded.
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict

from burst import Burst, run_burst
from fake_discord import FakeDiscord

GO_TIMEOUT = 60.0  # the bot's start, in the test's process


async def main(params: str) -> int:
    burst = Burst(**json.loads(params))
    fake = FakeDiscord()
    await fake.start()
    try:
        print(json.dumps({"api_base": fake.api_base, "gateway_url": fake.gateway_url}), flush=True)
        loop = asyncio.get_running_loop()
        go = await asyncio.wait_for(loop.run_in_executor(None, sys.stdin.readline), GO_TIMEOUT)
        if not go.strip():
            return 1  # the test gave up before the bot was ready
        try:
            result = await run_burst(fake, burst)
        except TimeoutError as exc:
            print(json.dumps({"error": str(exc)}), flush=True)
            return 1
        print(json.dumps(asdict(result)), flush=True)
        return 0
    finally:
        await fake.close()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
