"""Side-by-side training and inference throughput of backbones or whole segmentors, in one
process, with the machine it was measured on.

* :mod:`.timing`: one timed unit of work, interleaved timing, peak memory;
* :mod:`.backbones`: backbones (ours, timm's, fused, compiled, ONNX Runtime fp32/int8);
* :mod:`.segmentors`: whole MMSegmentation models from their configs;
* :mod:`.machine`: CPU model and extensions, threads, allocator settings, versions;
* :mod:`.report`: the printed table, the JSON file and the plot.

Imports only torch and timm (OpenMMLab and ONNX Runtime are imported lazily).
"""
from .backbones import (
                        AMP_MODELS,
                        DEFAULT_MODELS,
                        MODEL_SPECS,
                        ModelSpec,
                        applicable,
                        cpu_peak_memory_mib,
                        reference_gmac_per_s,
                        run_benchmark,
)
from .machine import cpu_extensions, cpu_name, describe, environment, int8_note
from .report import format_table, memory_note, plot_results, read_json, write_json
from .segmentors import SegmentorSpec, run_segmentor_benchmark
from .timing import AMP_DTYPES, MODES, Result

__all__ = ['AMP_DTYPES', 'AMP_MODELS', 'DEFAULT_MODELS', 'MODEL_SPECS', 'MODES', 'ModelSpec',
           'Result', 'SegmentorSpec', 'applicable', 'cpu_extensions', 'cpu_name',
           'cpu_peak_memory_mib', 'describe', 'environment', 'format_table', 'int8_note',
           'memory_note', 'plot_results', 'read_json', 'reference_gmac_per_s', 'run_benchmark',
           'run_segmentor_benchmark', 'write_json']
