"""Population, PopulationView and Assembly of ``simcore.pynn`` (PyNN's ``common`` classes on spikesim)."""

from __future__ import annotations

import numpy as np
from pyNN import common
from pyNN.parameters import ParameterSpace, simplify
from pyNN.standardmodels import StandardCellType

from . import simulator
from .recording import Recorder
from .simulator import NotSupported, state


def resolve(cells):
    """``[(Population, indices in it)]`` for a Population, PopulationView, Assembly or a list of IDs."""
    if isinstance(cells, Population):
        return [(cells, np.arange(cells.size))]
    if isinstance(cells, PopulationView):
        return [(cells.grandparent, np.asarray(cells.index_in_grandparent(np.arange(cells.size))))]
    if isinstance(cells, common.Assembly):
        return [part for p in cells.populations for part in resolve(p)]
    out = {}
    for cell in cells:  # IDs
        pop = cell.parent
        out.setdefault(id(pop), (pop, []))[1].append(pop.id_to_index(cell))
    return [(pop, np.asarray(index)) for pop, index in out.values()]


class Assembly(common.Assembly):
    __doc__ = common.Assembly.__doc__
    _simulator = simulator


class PopulationView(common.PopulationView):
    __doc__ = common.PopulationView.__doc__
    _assembly_class = Assembly
    _simulator = simulator

    def _get_parameters(self, *names):
        return _get_parameters(self, names)

    def _get_native_parameters(self, *names):
        parameter_dict = {}
        for name in names:
            value = self.parent._get_native_parameters(name)[name]
            if isinstance(value, np.ndarray):
                value = value[self.mask]
            parameter_dict[name] = simplify(value)
        return ParameterSpace(parameter_dict, shape=(self.size,))

    def _set_parameters(self, parameter_space):
        state.require_unbuilt("changing neuron parameters")
        parameter_space.evaluate(simplify=False)
        root = self.grandparent
        index = np.asarray(self.index_in_grandparent(np.arange(self.size)))
        for name, value in parameter_space.items():
            root._native[name][index] = value

    def _set_initial_value_array(self, variable, initial_values):
        state.require_unbuilt("initialize()")
        self.grandparent._initial[variable] = None  # the root's initial_values hold the array; see Population

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)


def _get_parameters(obj, names):
    if isinstance(obj.celltype, StandardCellType):
        if any(name in obj.celltype.computed_parameters() for name in names):
            native_names = obj.celltype.get_native_names()
        else:
            native_names = obj.celltype.get_native_names(*names)
        return obj.celltype.reverse_translate(obj._get_native_parameters(*native_names))
    raise NotSupported(f"cell types that are not PyNN standard types ({obj.celltype!r})")


class Population(common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def __init__(self, size, cellclass, cellparams=None, structure=None, initial_values={}, label=None):
        state.require_unbuilt("creating a Population")
        super().__init__(size, cellclass, cellparams, structure, initial_values, label)
        state.populations.append(self)

    def _create_cells(self):
        if not isinstance(self.celltype, StandardCellType) or not hasattr(self.celltype, "make"):
            raise NotSupported(
                f"the cell type {type(self.celltype).__name__} (simcore.pynn.list_standard_models() "
                "names the types it runs)"
            )
        ids = np.arange(state.id_counter, state.id_counter + self.size)
        self.all_cells = np.array([simulator.ID(i) for i in ids], dtype=simulator.ID)
        self._mask_local = np.ones(self.size, dtype=bool)
        for cell in self.all_cells:
            cell.parent = self
        state.id_counter += self.size
        ps = self.celltype.native_parameters
        ps.shape = (self.size,)
        ps.evaluate(simplify=False)
        self._native = {name: value for name, value in ps.items()}
        self._initial = {}
        self._component = None

    def _set_initial_value_array(self, variable, initial_values):
        state.require_unbuilt("initialize()")

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)

    def _get_parameters(self, *names):
        return _get_parameters(self, names)

    def _get_native_parameters(self, *names):
        return ParameterSpace({name: simplify(self._native[name]) for name in names}, shape=(self.size,))

    def _set_parameters(self, parameter_space):
        state.require_unbuilt("changing neuron parameters")
        parameter_space.evaluate(simplify=False)
        for name, value in parameter_space.items():
            self._native[name] = value

    # ----- spikesim
    def _factor(self, kind):
        p = {k: np.asarray(v, dtype=float) for k, v in self._native.items() if k != "spike_times"}
        fn = self.celltype.weight_factor if kind == "weight" else self.celltype.current_factor
        return fn(p, state.dt)

    def _build(self, net):
        values = {}
        for var, lazy in self.initial_values.items():
            if var in self.celltype.variable_map:
                values[var] = lazy.evaluate(simplify=False)
        init = self.celltype.native_init(values)
        self.celltype._key = state.populations.index(self)
        comp = self.celltype.make(self.size, self._native, init, f"pop{self.celltype._key}")
        self._component = net.add(comp)
        for extra in self.celltype.extras(comp, self._native):
            net.add(extra)
