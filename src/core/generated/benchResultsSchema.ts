// Generated from schema/results.json by scripts/embed-schemas.mjs. Do not edit.
/** The contents of schema/results.json. */
export const resultsSchema = {
  "$schema": "http://json-schema.org/draft-07/schema#",
  "$id": "https://github.com/jupyterlab-mpijob/jupyterlab-mpijob/schema/results.json",
  "title": "Benchmark results",
  "description": "One run of `mpijob bench run` (a scenario) or `mpijob bench micro`: where it ran, every sample, and the speedup summary. Runs that did not complete are records with a state, not missing.",
  "type": "object",
  "additionalProperties": false,
  "required": [
    "schemaVersion",
    "kind",
    "name",
    "state",
    "startedAt",
    "finishedAt",
    "scenario",
    "environment",
    "runs",
    "summary"
  ],
  "definitions": {
    "state": {
      "type": "string",
      "enum": [
        "completed",
        "errored",
        "skipped",
        "interrupted"
      ]
    },
    "time": {
      "type": "string",
      "pattern": "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$",
      "patternMessage": "must be an RFC 3339 time, e.g. '2025-03-01T10:00:00.000Z'"
    },
    "nullableNumber": {
      "type": [
        "number",
        "null"
      ]
    },
    "stats": {
      "type": "object",
      "additionalProperties": false,
      "required": [
        "mean",
        "min",
        "max",
        "sd",
        "variance",
        "sem",
        "moe",
        "p50",
        "p90",
        "p99",
        "samplesCount",
        "rme"
      ],
      "properties": {
        "mean": {
          "type": "number"
        },
        "min": {
          "type": "number"
        },
        "max": {
          "type": "number"
        },
        "sd": {
          "type": "number",
          "minimum": 0
        },
        "variance": {
          "type": "number",
          "minimum": 0
        },
        "sem": {
          "type": "number",
          "minimum": 0
        },
        "moe": {
          "type": "number",
          "minimum": 0
        },
        "p50": {
          "type": "number"
        },
        "p90": {
          "type": "number"
        },
        "p99": {
          "type": "number"
        },
        "samplesCount": {
          "type": "integer",
          "minimum": 1
        },
        "rme": {
          "type": "number",
          "minimum": 0
        }
      }
    },
    "series": {
      "type": "object",
      "additionalProperties": false,
      "required": [
        "unit",
        "samples",
        "stats"
      ],
      "properties": {
        "unit": {
          "type": "string",
          "enum": [
            "s",
            "ms"
          ]
        },
        "samples": {
          "type": "array",
          "items": {
            "type": "number"
          }
        },
        "stats": {
          "oneOf": [
            {
              "$ref": "#/definitions/stats"
            },
            {
              "type": "null"
            }
          ]
        }
      }
    },
    "attempt": {
      "type": "object",
      "additionalProperties": false,
      "required": [
        "phase",
        "index",
        "job",
        "state",
        "workloadSeconds",
        "e2eSeconds",
        "bareSeconds",
        "bareWorkloadSeconds",
        "metrics",
        "message"
      ],
      "properties": {
        "phase": {
          "type": "string",
          "enum": [
            "warmup",
            "measure"
          ]
        },
        "index": {
          "type": "integer",
          "minimum": 0
        },
        "job": {
          "type": [
            "string",
            "null"
          ]
        },
        "state": {
          "$ref": "#/definitions/state"
        },
        "workloadSeconds": {
          "$ref": "#/definitions/nullableNumber"
        },
        "e2eSeconds": {
          "$ref": "#/definitions/nullableNumber"
        },
        "bareSeconds": {
          "$ref": "#/definitions/nullableNumber"
        },
        "bareWorkloadSeconds": {
          "$ref": "#/definitions/nullableNumber"
        },
        "metrics": {
          "type": [
            "object",
            "null"
          ]
        },
        "message": {
          "type": [
            "string",
            "null"
          ]
        },
        "hosts": {
          "type": "array",
          "description": "The hosts the job's ranks reported, each once (pods on Kubernetes).",
          "items": {
            "type": "string"
          }
        },
        "timeline": {
          "type": "object",
          "description": "Seconds from the job's creation to each step of its start.",
          "additionalProperties": false,
          "properties": {
            "created": {
              "type": [
                "number",
                "null"
              ],
              "minimum": 0
            },
            "scheduled": {
              "type": [
                "number",
                "null"
              ],
              "minimum": 0
            },
            "containersStarted": {
              "type": [
                "number",
                "null"
              ],
              "minimum": 0
            },
            "workersReady": {
              "type": [
                "number",
                "null"
              ],
              "minimum": 0
            },
            "mpirunStarted": {
              "type": [
                "number",
                "null"
              ],
              "minimum": 0
            },
            "firstOutput": {
              "type": [
                "number",
                "null"
              ],
              "minimum": 0
            },
            "finished": {
              "type": [
                "number",
                "null"
              ],
              "minimum": 0
            }
          }
        }
      }
    },
    "run": {
      "type": "object",
      "additionalProperties": false,
      "required": [
        "name",
        "workers",
        "ranks",
        "state",
        "reason",
        "startedAt",
        "finishedAt",
        "series",
        "attempts",
        "metrics"
      ],
      "properties": {
        "name": {
          "type": "string",
          "minLength": 1
        },
        "workers": {
          "type": [
            "integer",
            "null"
          ],
          "minimum": 1
        },
        "ranks": {
          "type": [
            "integer",
            "null"
          ],
          "minimum": 1
        },
        "state": {
          "$ref": "#/definitions/state"
        },
        "reason": {
          "type": [
            "string",
            "null"
          ]
        },
        "startedAt": {
          "$ref": "#/definitions/time"
        },
        "finishedAt": {
          "$ref": "#/definitions/time"
        },
        "series": {
          "type": "object",
          "additionalProperties": {
            "$ref": "#/definitions/series"
          }
        },
        "attempts": {
          "type": "array",
          "items": {
            "$ref": "#/definitions/attempt"
          }
        },
        "metrics": {
          "type": "object",
          "additionalProperties": {
            "type": [
              "number",
              "string"
            ]
          }
        },
        "bareSkipped": {
          "type": "string",
          "minLength": 1,
          "description": "Why the bare mpirun baseline is missing although it was asked for; the jobs were measured without it."
        }
      }
    },
    "summaryRow": {
      "type": "object",
      "additionalProperties": false,
      "required": [
        "workers",
        "time",
        "speedup",
        "speedupCi",
        "speedupOfMinimums",
        "pairs",
        "efficiency",
        "efficiencyCi",
        "karpFlatt",
        "e2e",
        "bare",
        "overhead",
        "extra"
      ],
      "properties": {
        "workers": {
          "type": "integer",
          "minimum": 1
        },
        "time": {
          "description": "Median, fastest and slowest of the times the speedup is based on, seconds.",
          "type": "object",
          "additionalProperties": false,
          "required": [
            "median",
            "min",
            "max"
          ],
          "properties": {
            "median": {
              "type": "number"
            },
            "min": {
              "type": "number"
            },
            "max": {
              "type": "number"
            }
          }
        },
        "speedup": {
          "description": "Median over turns of the baseline's time / this row's time in the same turn (times the baseline's workers for strong scaling, this row's for weak).",
          "type": "number"
        },
        "speedupCi": {
          "description": "Percentile bootstrap confidence interval of speedup (see summary.bootstrap).",
          "$ref": "#/definitions/interval"
        },
        "speedupOfMinimums": {
          "description": "The ratio of the fastest times, min(baseline) / min(this row), scaled like speedup.",
          "type": "number"
        },
        "pairs": {
          "description": "Turns this row shares with the baseline: the ratios behind speedup.",
          "type": "integer",
          "minimum": 1
        },
        "efficiency": {
          "description": "speedup / workers.",
          "type": "number"
        },
        "efficiencyCi": {
          "description": "speedupCi / workers.",
          "$ref": "#/definitions/interval"
        },
        "karpFlatt": {
          "$ref": "#/definitions/nullableNumber"
        },
        "e2e": {
          "$ref": "#/definitions/nullableNumber"
        },
        "bare": {
          "$ref": "#/definitions/nullableNumber"
        },
        "overhead": {
          "$ref": "#/definitions/nullableNumber"
        },
        "extra": {
          "$ref": "#/definitions/nullableNumber"
        }
      }
    },
    "interval": {
      "description": "A confidence interval; null where there is none (fewer than 2 pairs).",
      "oneOf": [
        {
          "type": "null"
        },
        {
          "type": "object",
          "additionalProperties": false,
          "required": [
            "low",
            "high"
          ],
          "properties": {
            "low": {
              "type": "number"
            },
            "high": {
              "type": "number"
            }
          }
        }
      ]
    },
    "bootstrap": {
      "description": "How the confidence intervals were resampled: the same samples and seed give the same intervals.",
      "type": "object",
      "additionalProperties": false,
      "required": [
        "seed",
        "resamples",
        "confidence"
      ],
      "properties": {
        "seed": {
          "description": "Seed of the generator (mulberry32).",
          "type": "integer",
          "minimum": 0,
          "maximum": 4294967295
        },
        "resamples": {
          "type": "integer",
          "minimum": 1
        },
        "confidence": {
          "type": "number",
          "exclusiveMinimum": 0,
          "exclusiveMaximum": 1
        }
      }
    },
    "summary": {
      "type": "object",
      "additionalProperties": false,
      "required": [
        "mode",
        "basis",
        "baselineWorkers",
        "rows",
        "bootstrap"
      ],
      "properties": {
        "mode": {
          "type": "string",
          "enum": [
            "strong",
            "weak"
          ]
        },
        "basis": {
          "type": "string",
          "enum": [
            "workload",
            "e2e"
          ]
        },
        "baselineWorkers": {
          "type": "integer",
          "minimum": 1
        },
        "rows": {
          "type": "array",
          "items": {
            "$ref": "#/definitions/summaryRow"
          }
        },
        "bootstrap": {
          "$ref": "#/definitions/bootstrap"
        }
      }
    }
  },
  "properties": {
    "schemaVersion": {
      "description": "Version of this format: 2; 1 (mean ± sd speedups) is still read.",
      "type": "integer",
      "enum": [
        1,
        2
      ]
    },
    "kind": {
      "description": "scenario: MPI jobs over worker counts; micro: micro-benchmarks of this project's code; scale: many jobs at once through one job service (details in `scale`).",
      "type": "string",
      "enum": [
        "scenario",
        "micro",
        "scale"
      ]
    },
    "name": {
      "description": "Scenario name, or 'micro'.",
      "type": "string",
      "minLength": 1
    },
    "state": {
      "description": "interrupted if any run was, else errored if any run errored, else skipped if none completed, else completed.",
      "$ref": "#/definitions/state"
    },
    "startedAt": {
      "$ref": "#/definitions/time"
    },
    "finishedAt": {
      "$ref": "#/definitions/time"
    },
    "scenario": {
      "description": "The scenario as run, defaults filled in; null for micro-benchmarks.",
      "type": [
        "object",
        "null"
      ]
    },
    "environment": {
      "type": "object",
      "additionalProperties": false,
      "required": [
        "hostname",
        "platform",
        "release",
        "arch",
        "cpuModel",
        "cores",
        "memoryBytes",
        "loadAverage",
        "node",
        "mpi",
        "python",
        "git",
        "backend",
        "date"
      ],
      "properties": {
        "hostname": {
          "type": "string"
        },
        "platform": {
          "type": "string"
        },
        "release": {
          "type": "string"
        },
        "arch": {
          "type": "string"
        },
        "cpuModel": {
          "type": "string"
        },
        "cores": {
          "type": "integer",
          "minimum": 1
        },
        "memoryBytes": {
          "type": "integer",
          "minimum": 0
        },
        "loadAverage": {
          "type": "object",
          "additionalProperties": false,
          "required": [
            "start",
            "end"
          ],
          "properties": {
            "start": {
              "type": "array",
              "items": {
                "type": "number"
              },
              "minItems": 3,
              "maxItems": 3
            },
            "end": {
              "type": "array",
              "items": {
                "type": "number"
              },
              "minItems": 3,
              "maxItems": 3
            }
          }
        },
        "node": {
          "type": "string"
        },
        "mpi": {
          "oneOf": [
            {
              "type": "null"
            },
            {
              "type": "object",
              "additionalProperties": false,
              "required": [
                "implementation",
                "launcher",
                "version"
              ],
              "properties": {
                "implementation": {
                  "type": "string"
                },
                "launcher": {
                  "type": "string"
                },
                "version": {
                  "type": "string"
                }
              }
            }
          ]
        },
        "python": {
          "oneOf": [
            {
              "type": "null"
            },
            {
              "type": "object",
              "additionalProperties": false,
              "required": [
                "executable",
                "version",
                "numpy",
                "mpi4py"
              ],
              "properties": {
                "executable": {
                  "type": "string"
                },
                "version": {
                  "type": [
                    "string",
                    "null"
                  ]
                },
                "numpy": {
                  "type": [
                    "string",
                    "null"
                  ]
                },
                "mpi4py": {
                  "type": [
                    "string",
                    "null"
                  ]
                }
              }
            }
          ]
        },
        "git": {
          "oneOf": [
            {
              "type": "null"
            },
            {
              "type": "object",
              "additionalProperties": false,
              "required": [
                "commit",
                "dirty"
              ],
              "properties": {
                "commit": {
                  "type": "string",
                  "pattern": "^[0-9a-f]{7,64}$"
                },
                "dirty": {
                  "type": "boolean"
                }
              }
            }
          ]
        },
        "backend": {
          "type": [
            "string",
            "null"
          ]
        },
        "date": {
          "$ref": "#/definitions/time"
        }
      }
    },
    "runs": {
      "type": "array",
      "items": {
        "$ref": "#/definitions/run"
      }
    },
    "scale": {
      "description": "kind scale only: the raw data of the run (see src/core/scaleResults.ts); every percentile and target is recomputed from it and from the runs' series.",
      "type": "object",
      "required": [
        "jobs",
        "workers",
        "sseClients",
        "nodes",
        "jobTimes",
        "allRunningSeconds",
        "podsRunning",
        "sse",
        "requests",
        "service",
        "operator",
        "delete",
        "faults"
      ],
      "properties": {
        "jobs": {
          "type": "integer",
          "minimum": 1
        },
        "workers": {
          "type": "integer",
          "minimum": 1
        },
        "sseClients": {
          "type": "integer",
          "minimum": 0
        },
        "jobTimes": {
          "type": "array",
          "items": {
            "type": "object",
            "required": [
              "job",
              "submittedAt",
              "runningAt"
            ],
            "properties": {
              "job": {
                "type": "string"
              },
              "submittedAt": {
                "type": "number"
              },
              "runningAt": {
                "$ref": "#/definitions/nullableNumber"
              }
            }
          }
        },
        "allRunningSeconds": {
          "$ref": "#/definitions/nullableNumber"
        },
        "podsRunning": {
          "type": "object",
          "required": [
            "jobs",
            "samples"
          ],
          "properties": {
            "jobs": {
              "type": "array",
              "items": {
                "type": "string"
              }
            },
            "samples": {
              "type": "array",
              "items": {
                "type": "object",
                "required": [
                  "t",
                  "running"
                ],
                "properties": {
                  "t": {
                    "type": "number"
                  },
                  "running": {
                    "type": "array",
                    "items": {
                      "type": "integer"
                    }
                  }
                }
              }
            }
          }
        },
        "requests": {
          "type": [
            "array",
            "null"
          ],
          "items": {
            "type": "object",
            "required": [
              "verb",
              "resource",
              "count"
            ],
            "properties": {
              "verb": {
                "type": "string"
              },
              "resource": {
                "type": "string"
              },
              "count": {
                "type": "integer",
                "minimum": 0
              },
              "maxOpen": {
                "type": "integer",
                "minimum": 0
              }
            }
          }
        },
        "gpusPerWorker": {
          "type": "integer",
          "minimum": 0
        },
        "nodes": {
          "type": "object"
        },
        "sse": {
          "type": "object"
        },
        "requestsMissing": {
          "type": "string"
        },
        "operator": {
          "type": "array",
          "items": {
            "type": "object"
          }
        },
        "delete": {
          "type": "object"
        },
        "faults": {
          "type": "array",
          "items": {
            "type": "object"
          }
        },
        "service": {
          "type": "object",
          "required": [
            "cpuSeconds",
            "maxRssBytes"
          ],
          "properties": {
            "cpuSeconds": {
              "type": "number",
              "minimum": 0
            },
            "maxRssBytes": {
              "type": "integer",
              "minimum": 0
            }
          }
        }
      }
    },
    "summary": {
      "description": "The speedup table, as computed when the file was written; null without completed runs. In version 1 files an older shape, recomputed from the samples when read."
    }
  },
  "allOf": [
    {
      "if": {
        "properties": {
          "schemaVersion": {
            "const": 1
          }
        }
      },
      "then": {
        "properties": {
          "summary": {
            "type": [
              "object",
              "null"
            ]
          }
        }
      },
      "else": {
        "properties": {
          "summary": {
            "oneOf": [
              {
                "type": "null"
              },
              {
                "$ref": "#/definitions/summary"
              }
            ]
          }
        }
      }
    }
  ]
} as const;
