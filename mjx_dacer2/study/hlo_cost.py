"""What a compiled program does, read from its optimised HLO text (`compiled.as_text()`): the
operations it executes (each one a kernel launch on a GPU, a thunk on the CPU) and the FLOPs of
its matrix multiplies, with loop bodies counted as many times as their known trip count.

Counting rules. Ops: the instructions of the computations that run as control flow (the entry,
while bodies and conditions, conditional branches, called computations), except those that
move no data (parameter, constant, tuple, get-tuple-element, bitcast); a fusion counts once,
whatever it holds. A while body counts `known_trip_count` times (once when XLA knows none);
each branch of a conditional counts 1/branches of the time (exact for a 2-branch cond taken
every other call). FLOPs: 2 * |output| * |contracted dims| of every dot, fused or not.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

NO_DATA_OPS = frozenset({"parameter", "constant", "tuple", "get-tuple-element", "bitcast"})
HEADER = re.compile(r"^(ENTRY )?%(\S+) \(.*\{$")
INSTRUCTION = re.compile(r"^\s*(?:ROOT )?%(\S+) = (.*)$")
SHAPE = re.compile(r"^[a-z0-9]+\[([0-9,]*)\]")
TRIP_COUNT = re.compile(r'"known_trip_count":\{"n":"(\d+)"\}')
CONTRACTING = re.compile(r"lhs_contracting_dims=\{([0-9,]*)\}")
CALLEE = {
    "body": re.compile(r"body=%(\S+?)[,\s]"),
    "condition": re.compile(r"condition=%(\S+?)[,\s]"),
    "calls": re.compile(r"calls=%(\S+?)[,\s]"),
    "to_apply": re.compile(r"to_apply=%(\S+?)[,\s]"),
    "branches": re.compile(r"(?:branch_computations=\{([^}]*)\}|true_computation=%(\S+?)[,\s]"
                           r"|false_computation=%(\S+?)[,\s])"),
}  # fmt: skip


@dataclass(frozen=True)
class Instruction:
    name: str
    shape: str  # "f32[256,64]" (layout dropped), or a tuple's text
    opcode: str
    operands: tuple[str, ...]
    attributes: str


@dataclass(frozen=True)
class HloCost:
    ops: float  # executed ops (kernels), loop bodies times their trip counts
    flops: float  # of the dots
    while_loops: int  # static counts in the program text
    conditionals: int


def _split_shape(rest: str) -> tuple[str, str]:
    """'(s32[], f32[2]{0}) while(...)' -> ('(s32[], f32[2]{0})', 'while(...)')."""
    if rest.startswith("("):
        depth = 0
        for i, ch in enumerate(rest):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0:
                return rest[: i + 1], rest[i + 2 :]
    shape, _, tail = rest.partition(" ")
    return shape, tail


def _parse_instruction(line: str) -> Instruction | None:
    match = INSTRUCTION.match(line)
    if match is None:
        return None
    shape, tail = _split_shape(match.group(2))
    opcode, _, args = tail.partition("(")
    depth, end = 1, 0
    while end < len(args):
        depth += (args[end] == "(") - (args[end] == ")")
        if depth == 0:
            break
        end += 1
    operands = tuple(re.findall(r"%([^\s,)]+)", args[:end]))
    return Instruction(match.group(1), shape.split("{")[0], opcode, operands, args[end + 1 :] + " ")


def parse_computations(hlo_text: str) -> tuple[dict[str, list[Instruction]], str]:
    """{computation name: its instructions} and the entry computation's name."""
    computations: dict[str, list[Instruction]] = {}
    entry, current = "", None
    for line in hlo_text.splitlines():
        header = HEADER.match(line)
        if header:
            current = header.group(2)
            computations[current] = []
            entry = current if header.group(1) else entry
        elif line.startswith("}"):
            current = None
        elif current is not None and (instruction := _parse_instruction(line)):
            computations[current].append(instruction)
    return computations, entry


def _callees(instruction: Instruction) -> list[tuple[str, float, bool]]:
    """(callee, times per call, whether it runs as control flow) of one instruction."""
    attrs = instruction.attributes
    if instruction.opcode == "while":
        trips = TRIP_COUNT.search(attrs)
        n = float(trips.group(1)) if trips else 1.0
        return [(CALLEE[k].search(attrs).group(1), n, True) for k in ("body", "condition")]
    if instruction.opcode == "conditional":
        names = []
        for listed, true, false in CALLEE["branches"].findall(attrs):
            names += [n.strip().lstrip("%") for n in listed.split(",")] if listed else []
            names += [n for n in (true, false) if n]
        return [(name, 1.0 / len(names), True) for name in names]
    out = []
    for key in ("calls", "to_apply"):
        if found := CALLEE[key].search(attrs):
            out.append((found.group(1), 1.0, instruction.opcode == "call"))
    return out


def _dot_flops(instruction: Instruction, shapes: dict[str, str]) -> float:
    out = SHAPE.match(instruction.shape)
    lhs = SHAPE.match(shapes.get(instruction.operands[0], ""))
    dims = CONTRACTING.search(instruction.attributes)
    if not (out and lhs and dims):
        return 0.0
    lhs_dims = [int(d) for d in lhs.group(1).split(",") if d]
    contracted = math.prod(lhs_dims[int(i)] for i in dims.group(1).split(",") if i)
    return 2.0 * math.prod(int(d) for d in out.group(1).split(",") if d) * contracted


def hlo_cost(hlo_text: str) -> HloCost:
    """Ops and dot FLOPs of one execution of the program (see the module's counting rules)."""
    computations, entry = parse_computations(hlo_text)
    times: dict[str, float] = defaultdict(float)  # executions of each computation
    control: set[str] = {entry}
    stack = [(entry, 1.0)]
    while stack:  # the call graph is a DAG; a computation reached twice adds up
        name, n = stack.pop()
        times[name] += n
        for instruction in computations.get(name, []):
            for callee, per_call, is_control in _callees(instruction):
                if is_control and name in control:
                    control.add(callee)
                stack.append((callee, n * per_call))
    ops = flops = 0.0
    for name, instructions in computations.items():
        shapes = {i.name: i.shape for i in instructions}
        for instruction in instructions:
            if name in control and instruction.opcode not in NO_DATA_OPS:
                ops += times[name]
            if instruction.opcode == "dot":
                flops += times[name] * _dot_flops(instruction, shapes)
    everything = [i.opcode for instructions in computations.values() for i in instructions]
    return HloCost(
        ops=ops,
        flops=flops,
        while_loops=everything.count("while"),
        conditionals=everything.count("conditional"),
    )
