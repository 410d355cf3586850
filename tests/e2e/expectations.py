"""What the fixtures are known to park, independent of the tool.

PARKED maps the innermost main.* function of each goroutine of the `parked`
fixture to (how many goroutines, accepted wait states).  The states are the
runtime's waitReason strings; alternatives cover older spellings.
"""

CHAN_RECV = {"chan receive"}
SELECT = {"select"}

PARKED = {
    "main.blockChanRecv": (1, CHAN_RECV),
    "main.blockChanSend": (1, {"chan send"}),
    "main.blockChanSendBuffered": (1, {"chan send"}),
    "main.blockNilChanRecv": (1, {"chan receive (nil chan)"}),
    "main.blockNilChanSend": (1, {"chan send (nil chan)"}),
    "main.blockSelect": (1, SELECT),
    "main.blockSelectNoCases": (1, {"select (no cases)"}),
    "main.blockMutexLock": (1, {"sync.Mutex.Lock", "semacquire"}),
    "main.blockRWMutexRLock": (1, {"sync.RWMutex.RLock", "semacquire"}),
    "main.blockRWMutexLock": (1, {"sync.RWMutex.Lock", "semacquire"}),
    "main.blockWaitGroupWait": (1, {"sync.WaitGroup.Wait", "semacquire"}),
    "main.blockCondWait": (1, {"sync.Cond.Wait"}),
    "main.blockSleep": (1, {"sleep"}),
    "main.blockTickerLoop": (1, SELECT),
    "main.blockTickerRange": (1, CHAN_RECV),
    "main.blockContextDone": (1, CHAN_RECV),
    "main.blockAccept": (1, {"IO wait"}),
    "main.blockPipeRead": (1, {"IO wait", "syscall"}),
    "main.blockRawSyscall": (1, {"syscall"}),
    "main.recurse": (2, CHAN_RECV),
    "main.argsScalars": (1, CHAN_RECV),
    "main.argsFloats": (1, CHAN_RECV),
    "main.argsStrings": (1, CHAN_RECV),
    "main.argsStructs": (1, CHAN_RECV),
    "main.argsNested": (1, CHAN_RECV),
    "main.argsMany": (1, CHAN_RECV),
    "main.argsStack": (1, CHAN_RECV),
    "main.argsNone": (1, CHAN_RECV),
    "main.(*server).serve": (2, CHAN_RECV),   # direct and via method value
    "main.worker.run": (1, CHAN_RECV),
    "main.startClosures.func1": (1, CHAN_RECV),
    "main.genericRecv[...]": (2, CHAN_RECV),
    "main.(*box[...]).wait": (1, CHAN_RECV),
    "main.genericSum[...]": (1, CHAN_RECV),
    "main.inlRecv": (1, CHAN_RECV),            # inlined into main.inlOuter
    "main.inlLock": (1, {"sync.Mutex.Lock", "semacquire"}),
    "main.spawner": (4, CHAN_RECV),
    "main.orphan": (1, CHAN_RECV),
    "main.lockedToThread": (1, CHAN_RECV),
    "main.blockWhilePanicking.func1": (1, CHAN_RECV),
    "main.blockLabelled": (1, CHAN_RECV),
}

# Closures nested in closures get compiler-chosen names that changed across
# releases; they are matched by prefix.
PARKED_PREFIXES = {
    "main.startClosures.": 2,   # func2's inner closure, func3's innermost
}

# Goroutines of the runtime/std library that show up in user dumps.
STD_PARKED_PREFIXES = ("os/signal.",)

# The deep stacks: recurse(60) is printed in full, recurse(130) elided.
RECURSE_DEPTHS = (60, 130)
TRACEBACK_INNER, TRACEBACK_OUTER = 50, 50

MANY_KINDS = ("main.manyChanRecv", "main.manyChanSend", "main.manySelect",
              "main.manyMutex", "main.manyWaitGroup")
MANY_STATES = {
    "main.manyChanRecv": CHAN_RECV,
    "main.manyChanSend": {"chan send"},
    "main.manySelect": SELECT,
    "main.manyMutex": {"sync.Mutex.Lock", "semacquire"},
    "main.manyWaitGroup": {"sync.WaitGroup.Wait", "semacquire"},
}
