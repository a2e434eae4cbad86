"""A software prefetch for scattered accesses in the generated kernel (a hint: no effect on results).

Plastic synapses walk the synapses into a target that spiked through a
transposed index, so the weights they update lie scattered over the whole
weight array (docs/plasticity.md, "Speed"). :func:`prefetch_2d` asks the CPU
to bring ``arr[b, k]`` into the cache ahead of its use, as LLVM's
``llvm.prefetch`` intrinsic (read/write 1, locality 3, data cache); a
prefetch never faults and never changes a value, so the kernel computes the
same numbers with or without it.
"""

from llvmlite import ir
from numba import config, njit, types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def _llvm_prefetch(typingctx, arr, b, k):
    """``llvm.prefetch`` of the address of ``arr[b, k]`` (for a write: the kernel updates it)."""
    sig = types.void(arr, b, k)

    def codegen(context, builder, signature, args):
        aty = signature.args[0]
        ary = context.make_array(aty)(context, builder, args[0])
        index = [context.cast(builder, v, t, types.intp) for v, t in zip(args[1:], signature.args[1:])]
        ptr = cgutils.get_item_pointer(context, builder, aty, ary, index, wraparound=False)
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(1), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen


if config.DISABLE_JIT:  # NUMBA_DISABLE_JIT=1: the kernels run as Python, where an intrinsic cannot be called

    def _llvm_prefetch(arr, b, k):
        """A hint only: nothing to do in Python."""


@njit(cache=True, inline="always")
def prefetch_2d(arr, b, k):
    """Hint that ``arr[b, k]`` (a 2-D C-contiguous array) is read and written soon; ``k`` is not checked."""
    _llvm_prefetch(arr, b, k)
