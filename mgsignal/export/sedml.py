"""SED-ML Level 1 Version 4 and COMBINE/OMEX archives of a scenario, for any SED-ML runner.

The archive holds the model's SBML as built, the model with the scenario written in
(:mod:`mgsignal.export.scenario_sbml`), a SED-ML file (one uniform time course through the
pre-equilibration, with output from its end, ``pre``, to ``pre + t_end``; CVODE with its
tolerances as KiSAO terms; a report and a plot of the outputs), the manifest and the metadata.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import libcombine
import libsedml

from ..errors import InvalidInputError
from ..model import Model
from ..scenario import Scenario
from ..simulation import DEFAULT_ATOL, DEFAULT_RTOL
from .scenario_sbml import preequilibration_time, scenario_sbml

#: KiSAO terms: CVODE, relative tolerance, absolute tolerance
KISAO_CVODE, KISAO_RTOL, KISAO_ATOL = "KISAO:0000019", "KISAO:0000209", "KISAO:0000211"
SEDML_LEVEL, SEDML_VERSION = 1, 4


def scenario_sedml(model: Model, scenario: Scenario, *, model_file: str, outputs: Sequence[str], t_end: float,
                   n_points: int = 101, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL) -> str:
    """SED-ML (L1V4) text running ``model_file`` (the model with ``scenario`` written in) and
    reporting and plotting ``outputs`` on ``n_points`` times from 0 to ``t_end``."""
    model.check_ids(list(outputs))
    if not t_end > 0 or n_points < 2:
        raise InvalidInputError(f"need t_end > 0 and n_points >= 2, got {t_end}, {n_points}")
    document = libsedml.SedDocument(SEDML_LEVEL, SEDML_VERSION)
    sed_model = document.createModel()
    sed_model.setId("model")
    sed_model.setLanguage("urn:sedml:language:sbml.level-3.version-2")
    sed_model.setSource(model_file)
    simulation = document.createUniformTimeCourse()
    simulation.setId("time_course")
    offset = preequilibration_time(scenario)  # the model's clock runs through the pre-equilibration
    simulation.setInitialTime(0.0)
    simulation.setOutputStartTime(offset)
    simulation.setOutputEndTime(offset + float(t_end))
    simulation.setNumberOfSteps(int(n_points) - 1)
    algorithm = simulation.createAlgorithm()
    algorithm.setKisaoID(KISAO_CVODE)
    for kisao, value in ((KISAO_RTOL, rtol), (KISAO_ATOL, atol)):
        parameter = algorithm.createAlgorithmParameter()
        parameter.setKisaoID(kisao)
        parameter.setValue(repr(float(value)))
    task = document.createTask()
    task.setId("task")
    task.setModelReference("model")
    task.setSimulationReference("time_course")
    _generator(document, "time", symbol="urn:sedml:symbol:time")
    for sid in outputs:
        _generator(document, sid, target=_xpath(model, sid))
    report = document.createReport()
    report.setId("report")
    report.setName(f"{model.name}: {scenario.name}")
    for sid in ["time", *outputs]:
        data_set = report.createDataSet()
        data_set.setId(f"ds_{sid}")
        data_set.setLabel(sid)
        data_set.setDataReference(f"dg_{sid}")
    plot = document.createPlot2D()
    plot.setId("plot")
    plot.setName(f"{scenario.name}: {', '.join(outputs)}")
    for sid in outputs:
        curve = plot.createCurve()
        curve.setId(f"curve_{sid}")
        curve.setName(sid)
        curve.setXDataReference("dg_time")
        curve.setYDataReference(f"dg_{sid}")
    return libsedml.writeSedMLToString(document)


def write_omex(model: Model, scenario: Scenario, path: str | Path, *, outputs: Sequence[str] | None = None,
               t_end: float | None = None, n_points: int = 101, rtol: float = DEFAULT_RTOL,
               atol: float = DEFAULT_ATOL, creator: str = "mgsignal") -> Path:
    """Write a COMBINE/OMEX archive of ``scenario`` on ``model`` to ``path``; returns the path.

    ``outputs`` default to the scenario's, else the model's readouts; ``t_end`` to the
    scenario's duration.
    """
    outputs = list(outputs or scenario.outputs or model.readouts or model.species)
    t_end = t_end if t_end is not None else scenario.duration
    if t_end is None:
        raise InvalidInputError(f"scenario {scenario.name!r} has no duration: give t_end")
    path = Path(path)
    if path.suffix != ".omex":
        raise InvalidInputError(f"{path}: an archive's name ends in .omex")
    sbml_name, scenario_name, sedml_name = f"{model.name}.xml", f"{model.name}__{scenario.name}.xml", f"{scenario.name}.sedml"
    texts = {sbml_name: model.sbml, scenario_name: scenario_sbml(model, scenario),
             sedml_name: scenario_sedml(model, scenario, model_file=scenario_name, outputs=outputs, t_end=t_end,
                                        n_points=n_points, rtol=rtol, atol=atol)}
    formats = {sbml_name: "http://identifiers.org/combine.specifications/sbml.level-3.version-2",
               scenario_name: "http://identifiers.org/combine.specifications/sbml.level-3.version-2",
               sedml_name: "http://identifiers.org/combine.specifications/sed-ml"}
    archive = libcombine.CombineArchive()
    with tempfile.TemporaryDirectory(prefix="mgsignal-omex-") as folder:
        for name, text in texts.items():
            file = Path(folder) / name
            file.write_text(text, encoding="utf-8")
            if not archive.addFile(str(file), f"./{name}", formats[name], name == sedml_name):
                raise InvalidInputError(f"could not add {name} to the archive")
        description = libcombine.OmexDescription()
        description.setAbout(".")
        description.setDescription(f"mgsignal scenario {scenario.name!r} on model {model.name!r}: {scenario.description}"
                                   f" Source: {scenario.source or 'see the model'}.")
        description.setCreated(libcombine.OmexDescription.getCurrentDateAndTime())
        person = libcombine.VCard()
        person.setFamilyName(creator)
        description.addCreator(person)
        archive.addMetadata(".", description)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        if not archive.writeToFile(str(temporary)):
            raise InvalidInputError(f"{path}: could not write the archive")
        temporary.replace(path)
    archive.cleanUp()
    return path


def _generator(document: libsedml.SedDocument, sid: str, *, target: str | None = None, symbol: str | None = None) -> None:
    generator = document.createDataGenerator()
    generator.setId(f"dg_{sid}")
    generator.setName(sid)
    variable = generator.createVariable()
    variable.setId(f"v_{sid}")
    variable.setTaskReference("task")
    if symbol:
        variable.setSymbol(symbol)
    else:
        variable.setTarget(target)
    generator.setMath(libsedml.parseL3Formula(f"v_{sid}"))


def _xpath(model: Model, sid: str) -> str:
    kind = ("species" if sid in model.species else "compartment" if sid in model.compartments
            else "reaction" if sid in model.reactions else "parameter")
    return f"/sbml:sbml/sbml:model/sbml:listOf{kind[0].upper()}{kind[1:]}{'es' if kind == 'species' else 's'}/sbml:{kind}[@id='{sid}']"
