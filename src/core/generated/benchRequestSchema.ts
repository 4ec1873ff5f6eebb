// Generated from schema/openapi.yaml by scripts/embed-schemas.mjs. Do not edit.
/** The contents of schema/openapi.yaml (component:BenchmarkRequest). */
export const benchRequestSchema = {
  "type": "object",
  "additionalProperties": false,
  "required": [
    "workers"
  ],
  "properties": {
    "spec": {
      "description": "The launch spec every job copies; its name names the results file and the jobs, its workers is replaced by each worker count. A command spec is refused."
    },
    "notebook": {
      "description": "The notebook, nbformat JSON as an object or as text; packaged once with the spec's cell selection."
    },
    "workers": {
      "type": "array",
      "description": "Worker counts; the smallest is the speedup baseline.",
      "items": {
        "type": "integer",
        "minimum": 1,
        "maximum": 1000
      },
      "minItems": 1,
      "maxItems": 32,
      "uniqueItems": true
    },
    "repeats": {
      "type": "integer",
      "description": "Measured jobs per worker count.",
      "minimum": 1,
      "maximum": 100,
      "default": 3
    },
    "warmups": {
      "type": "integer",
      "description": "Jobs before them, not measured.",
      "minimum": 0,
      "maximum": 10,
      "default": 1
    },
    "bare": {
      "type": "boolean",
      "description": "Also time a bare mpirun of the program before each job (local backend), for the overhead column.",
      "default": true
    },
    "resultsDir": {
      "type": "string",
      "description": "Folder of the results file on the service's machine, absolute or starting with `~/`; `benchmarks/results` under the service's working directory when absent."
    }
  }
} as const;
