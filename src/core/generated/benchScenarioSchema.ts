// Generated from schema/scenario.json by scripts/embed-schemas.mjs. Do not edit.
/** The contents of schema/scenario.json. */
export const scenarioSchema = {
  "$schema": "http://json-schema.org/draft-07/schema#",
  "$id": "https://github.com/jupyterlab-mpijob/jupyterlab-mpijob/schema/scenario.json",
  "title": "Benchmark scenario",
  "description": "One scaled distributed benchmark: a workload, the worker counts to run it on, and how often. With `scale`, a control-plane scale run instead: many jobs at once through one job service. Read by `mpijob bench run`; see benchmarks/README.md.",
  "type": "object",
  "additionalProperties": false,
  "required": [
    "name",
    "workers"
  ],
  "properties": {
    "name": {
      "title": "Name",
      "description": "Names the results file and the jobs the run creates.",
      "type": "string",
      "minLength": 1,
      "maxLength": 24,
      "pattern": "^[a-z]([-a-z0-9]*[a-z0-9])?$",
      "patternMessage": "must start with a lowercase letter, contain only lowercase letters, digits and '-', and end with a letter or digit, e.g. 'compute-local'"
    },
    "description": {
      "title": "Description",
      "description": "What the scenario measures, for people reading results.",
      "type": "string"
    },
    "workload": {
      "title": "Workload",
      "description": "Python file every rank runs: a name in benchmarks/workloads (next to the scenarios folder), or a path relative to the scenario file. It prints one `MPIJOB_BENCH {json}` line from rank 0. Give workload or command.",
      "type": "string",
      "minLength": 1,
      "pattern": "\\.py$",
      "patternMessage": "must name a Python file ending in .py, e.g. 'compute_pi.py'"
    },
    "command": {
      "title": "Command",
      "description": "Program every rank runs instead of a workload file (mpirun is added in front), e.g. a benchmark inside a container image. Give workload or command.",
      "type": "array",
      "items": {
        "type": "string",
        "minLength": 1
      },
      "minItems": 1
    },
    "args": {
      "title": "Arguments",
      "description": "Arguments after the workload or command. `{workers}`, `{ranks}` and `{scaling}` are replaced by the run's values.",
      "type": "array",
      "items": {
        "type": "string"
      },
      "default": []
    },
    "backend": {
      "title": "Backend",
      "description": "Where the jobs run: local mpirun, or MPIJobs on Kubernetes.",
      "type": "string",
      "enum": [
        "local",
        "kubernetes"
      ],
      "default": "local"
    },
    "image": {
      "title": "Container image",
      "description": "Image of launcher and workers; kubernetes backend only.",
      "type": "string",
      "minLength": 1,
      "pattern": "^[^\\s]+$",
      "patternMessage": "must be an image reference without spaces, e.g. 'mpioperator/tensorflow-benchmarks:latest'"
    },
    "python": {
      "title": "Python",
      "description": "Interpreter of the workload; $MPIJOB_PYTHON, else python3, when absent (python3 on Kubernetes).",
      "type": "string",
      "minLength": 1
    },
    "workers": {
      "title": "Worker counts",
      "description": "Run the workload once per worker count, e.g. [1, 2]. The smallest is the speedup baseline.",
      "type": "array",
      "items": {
        "type": "integer",
        "minimum": 1,
        "maximum": 1000
      },
      "minItems": 1,
      "uniqueItems": true
    },
    "ranksPerWorker": {
      "title": "Ranks per worker",
      "description": "MPI ranks per worker (slotsPerWorker of the job).",
      "type": "integer",
      "minimum": 1,
      "maximum": 256,
      "default": 1
    },
    "gpusPerWorker": {
      "title": "GPUs per worker",
      "description": "NVIDIA GPUs per worker.",
      "type": "integer",
      "minimum": 0,
      "maximum": 16,
      "default": 0
    },
    "repeats": {
      "title": "Repeats",
      "description": "Measured runs per worker count.",
      "type": "integer",
      "minimum": 1,
      "maximum": 1000,
      "default": 5
    },
    "warmups": {
      "title": "Warm-ups",
      "description": "Runs per worker count before the measured ones; not recorded in the statistics.",
      "type": "integer",
      "minimum": 0,
      "maximum": 100,
      "default": 1
    },
    "scaling": {
      "title": "Scaling",
      "description": "strong: the total problem is fixed and split over the ranks; weak: each rank gets the same problem.",
      "type": "string",
      "enum": [
        "strong",
        "weak"
      ],
      "default": "strong"
    },
    "timeoutSeconds": {
      "title": "Timeout",
      "description": "A run that takes longer is stopped and recorded as errored.",
      "type": "number",
      "exclusiveMinimum": 0,
      "default": 600
    },
    "env": {
      "title": "Environment",
      "description": "Variables set for every rank (and for the bare mpirun run).",
      "type": "object",
      "propertyNames": {
        "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"
      },
      "additionalProperties": {
        "type": "string"
      },
      "default": {}
    },
    "mpiImplementation": {
      "title": "MPI implementation",
      "description": "OpenMPI (the local default) or MPICH; Intel only on Kubernetes.",
      "type": "string",
      "enum": [
        "OpenMPI",
        "MPICH",
        "Intel"
      ],
      "default": "OpenMPI"
    },
    "bare": {
      "title": "Bare mpirun",
      "description": "Also time the same workload under a bare mpirun, run by run, to measure the harness's overhead (local backend only).",
      "type": "boolean",
      "default": true
    },
    "metric": {
      "title": "Output metric",
      "description": "For programs that do not print an MPIJOB_BENCH line: a regular expression whose first group is a number in the output of rank 0.",
      "type": "object",
      "additionalProperties": false,
      "required": [
        "name",
        "pattern"
      ],
      "properties": {
        "name": {
          "type": "string",
          "pattern": "^[A-Za-z_][A-Za-z0-9_]*$",
          "patternMessage": "must be an identifier, e.g. 'images_per_sec'"
        },
        "pattern": {
          "type": "string",
          "minLength": 1
        },
        "unit": {
          "type": "string"
        }
      }
    },
    "scale": {
      "title": "Control-plane scale",
      "description": "Makes this a scale scenario (kubernetes backend, one worker count): `jobs` MPIJobs of `workers[0]` workers submitted at once through one job service onto simulated (KWOK) nodes made for the run, with SSE clients following; measures time to Running, status → SSE latency, the service's API requests, CPU and memory, the operator's pod creation and deleting everything. See benchmarks/README.md.",
      "type": "object",
      "additionalProperties": false,
      "required": [
        "jobs"
      ],
      "properties": {
        "jobs": {
          "title": "Jobs",
          "description": "MPIJobs submitted at once.",
          "type": "integer",
          "minimum": 1,
          "maximum": 1000
        },
        "sseClients": {
          "title": "SSE clients",
          "description": "Clients following the service's event stream, as open JupyterLab tabs do.",
          "type": "integer",
          "minimum": 1,
          "maximum": 100,
          "default": 4
        },
        "podsPerNode": {
          "title": "Pods per node",
          "description": "Pod capacity of each simulated node.",
          "type": "integer",
          "minimum": 2,
          "maximum": 1000,
          "default": 110
        },
        "gpusPerNode": {
          "title": "GPUs per node",
          "description": "nvidia.com/gpu each simulated node advertises.",
          "type": "integer",
          "minimum": 0,
          "maximum": 1000,
          "default": 8
        },
        "labels": {
          "title": "Job labels",
          "description": "Extra labels of every job and its pods (testenv keeps pods labelled mpijob-testenv/keep-running Running until deleted).",
          "type": "object",
          "additionalProperties": {
            "type": "string"
          },
          "default": {}
        },
        "operator": {
          "title": "Operator client rate limits",
          "description": "The mpi-operator's client rate limit (--kube-api-qps/--kube-api-burst) and work queue rate limit (--controller-queue-rate-limit/--controller-queue-burst) for the main run (tuned), and how many jobs to submit first at upstream's defaults (5/10 and 10/100) to compare; needs a control plane the harness may restart the operator of (testenv).",
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "qps": {
              "type": "integer",
              "minimum": 1,
              "default": 50
            },
            "burst": {
              "type": "integer",
              "minimum": 1,
              "default": 100
            },
            "queueRateLimit": {
              "description": "--controller-queue-rate-limit: every pod event re-queues its MPIJob through a token bucket of this rate, so at upstream's 10 a second thousands of pod events delay each job's next sync by minutes.",
              "type": "integer",
              "minimum": 1,
              "default": 10
            },
            "queueBurst": {
              "description": "--controller-queue-burst.",
              "type": "integer",
              "minimum": 1,
              "default": 100
            },
            "defaultJobs": {
              "description": "Jobs of the run at upstream's default 5/10; 0 leaves it out.",
              "type": "integer",
              "minimum": 0,
              "default": 0
            }
          },
          "default": {}
        },
        "faults": {
          "title": "Faults",
          "description": "Injected once every job is Running, one after another; each is followed by a check that every client converges to the API's truth with no lost or repeated change.",
          "type": "array",
          "items": {
            "type": "string",
            "enum": [
              "operator-kill",
              "apiserver-restart",
              "etcd-restart",
              "service-restart"
            ]
          },
          "uniqueItems": true,
          "default": []
        }
      }
    }
  }
} as const;
