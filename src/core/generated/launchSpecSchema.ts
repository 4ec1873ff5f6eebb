// Generated from schema/launch-spec.json by scripts/embed-schemas.mjs. Do not edit.
/** The contents of schema/launch-spec.json. */
export const launchSpecSchema = {
  "$schema": "http://json-schema.org/draft-07/schema#",
  "$id": "https://github.com/jupyterlab-mpijob/jupyterlab-mpijob/schema/launch-spec.json",
  "title": "MPIJob launch spec",
  "description": "What to run as a Kubeflow MPIJob (kubeflow.org/v2beta1) and how. The single source of truth for the launch panel, the CLI flags, the HTTP API and validation.",
  "type": "object",
  "additionalProperties": false,
  "required": [
    "name"
  ],
  "properties": {
    "name": {
      "title": "Job name",
      "description": "Name of the job: the MPIJob, and its pods on Kubernetes, are named after it.",
      "type": "string",
      "minLength": 1,
      "maxLength": 40,
      "pattern": "^[a-z]([-a-z0-9]*[a-z0-9])?$",
      "patternMessage": "must start with a lowercase letter, contain only lowercase letters, digits and '-', and end with a letter or digit (a DNS-1035 label), e.g. 'train-mnist'"
    },
    "namespace": {
      "title": "Namespace",
      "description": "Kubernetes namespace (project) to run in.",
      "type": "string",
      "minLength": 1,
      "maxLength": 63,
      "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
      "patternMessage": "must contain only lowercase letters, digits and '-', and start and end with a letter or digit (a DNS-1123 label)",
      "default": "default"
    },
    "image": {
      "title": "Container image",
      "description": "Image for launcher and workers. It must contain python3, mpi4py and an MPI matching the MPI implementation, and run sshd on workers. Defaults to the image configured for the MPI implementation.",
      "type": "string",
      "minLength": 1,
      "maxLength": 512,
      "pattern": "^[^\\s]+$",
      "patternMessage": "must be an image reference without spaces, e.g. 'quay.io/team/train:1.0'"
    },
    "mpiImplementation": {
      "title": "MPI implementation",
      "description": "Which MPI the image uses; decides the launcher command.",
      "type": "string",
      "enum": [
        "OpenMPI",
        "Intel",
        "MPICH"
      ],
      "default": "OpenMPI"
    },
    "workers": {
      "title": "Workers",
      "description": "How many workers the job runs on: worker pods on Kubernetes; on this machine, groups of ranks (each with its slots).",
      "type": "integer",
      "minimum": 1,
      "maximum": 1000,
      "default": 2
    },
    "slotsPerWorker": {
      "title": "Slots per worker",
      "description": "MPI ranks per worker pod (usually one per GPU).",
      "type": "integer",
      "minimum": 1,
      "maximum": 256,
      "default": 1
    },
    "gpusPerWorker": {
      "title": "GPUs per worker",
      "description": "NVIDIA GPUs (nvidia.com/gpu) requested by each worker.",
      "type": "integer",
      "minimum": 0,
      "maximum": 16,
      "default": 0
    },
    "cpu": {
      "title": "CPU per worker",
      "description": "CPU request and limit of each worker, as a Kubernetes quantity.",
      "type": "string",
      "pattern": "^([0-9]+(\\.[0-9]+)?|\\.[0-9]+)m?$",
      "patternMessage": "must be a CPU quantity such as '2', '0.5' or '500m'",
      "default": "1"
    },
    "memory": {
      "title": "Memory per worker",
      "description": "Memory request and limit of each worker, as a Kubernetes quantity.",
      "type": "string",
      "pattern": "^([0-9]+(\\.[0-9]+)?|\\.[0-9]+)([KMGTPE]i|[kMGTPE])?$",
      "patternMessage": "must be a memory quantity such as '2Gi', '512Mi' or '1G'",
      "default": "2Gi"
    },
    "source": {
      "title": "Code",
      "description": "Which notebook cells become the program that every rank runs.",
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "notebook": {
          "title": "Notebook",
          "description": "Path of the notebook, relative to the Jupyter root.",
          "type": "string",
          "minLength": 1
        },
        "cells": {
          "title": "Cells",
          "description": "Which code cells run: all of them; up-to: from the first cell to the one in Up to cell; tagged: those tagged 'mpijob'; selected: those in Cell numbers. Cells tagged 'skip-mpijob' never run.",
          "type": "string",
          "enum": [
            "all",
            "up-to",
            "tagged",
            "selected"
          ],
          "default": "all"
        },
        "upToCell": {
          "title": "Up to cell",
          "description": "Number of the last cell to run, counting every cell from 1 (Markdown cells too).",
          "type": "integer",
          "minimum": 1,
          "minimumMessage": "must be a cell number: cells are counted from 1"
        },
        "cellNumbers": {
          "title": "Cell numbers",
          "description": "Numbers of the cells to run, counting every cell from 1 (Markdown cells too).",
          "type": "array",
          "items": {
            "type": "integer",
            "minimum": 1,
            "minimumMessage": "must be a cell number: cells are counted from 1"
          },
          "minItems": 1,
          "minItemsMessage": "must list at least one cell",
          "uniqueItems": true,
          "uniqueItemsMessage": "must not list a cell twice"
        }
      }
    },
    "python": {
      "title": "Python command",
      "description": "Python interpreter inside the image that runs the packaged notebook code.",
      "type": "string",
      "minLength": 1,
      "pattern": "^[^\\s]+$",
      "patternMessage": "must be one command without spaces, e.g. 'python3'",
      "default": "python3"
    },
    "command": {
      "title": "Command override",
      "description": "Run this program on every rank instead of the notebook code (mpirun is added in front): the program, then one argument per entry.",
      "type": "array",
      "items": {
        "type": "string"
      },
      "minItems": 1,
      "minItemsMessage": "must name a program to run"
    },
    "workingDir": {
      "title": "Working directory",
      "description": "Directory the ranks start in: on Kubernetes the containers' working directory (else the image's); on the local backend a directory of this machine (else the job's own directory under the data directory).",
      "type": "string",
      "pattern": "^(/|~/|~$)",
      "patternMessage": "must be an absolute path such as '/home/me/project' (or start with ~/ for the home directory, local backend)"
    },
    "files": {
      "title": "Files to ship",
      "description": "Kubernetes: files or folders beside the notebook that the ranks need (data files, modules it does not import by name), relative to the notebook's folder; they ship with the program (at most 1 MiB in all) and the ranks find them at the same relative paths in their working directory. The local modules the notebook imports ship without being named. The local backend reads them in place.",
      "type": "array",
      "items": {
        "type": "string",
        "pattern": "^(?![/~])(?!(.*/)?\\.\\.(/|$)).+$",
        "patternMessage": "must be a path relative to the notebook's folder, such as 'data.csv' or 'lib/', without .."
      },
      "uniqueItems": true,
      "uniqueItemsMessage": "names a path twice"
    },
    "env": {
      "title": "Environment variables",
      "description": "Set on the launcher and every worker.",
      "type": "array",
      "items": {
        "title": "Variable",
        "type": "object",
        "additionalProperties": false,
        "required": [
          "name",
          "value"
        ],
        "properties": {
          "name": {
            "title": "Name",
            "type": "string",
            "pattern": "^[A-Za-z_][A-Za-z0-9_]*$",
            "patternMessage": "must be a valid environment variable name: letters, digits and '_', not starting with a digit"
          },
          "value": {
            "title": "Value",
            "type": "string"
          }
        }
      }
    },
    "scheduling": {
      "title": "Scheduling",
      "description": "Gang scheduling starts all pods of the job together or none of them.",
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "gang": {
          "title": "Gang scheduler",
          "type": "string",
          "enum": [
            "none",
            "volcano",
            "scheduler-plugins"
          ],
          "default": "none"
        },
        "queue": {
          "title": "Queue",
          "description": "Volcano queue for the job's PodGroup.",
          "type": "string",
          "minLength": 1
        },
        "priorityClass": {
          "title": "Priority class",
          "type": "string",
          "minLength": 1
        },
        "scheduleTimeoutSeconds": {
          "title": "Schedule timeout (s)",
          "description": "How long scheduler-plugins waits for the whole gang.",
          "type": "integer",
          "minimum": 1
        }
      }
    },
    "runPolicy": {
      "title": "Run policy",
      "type": "object",
      "default": {},
      "additionalProperties": false,
      "properties": {
        "backoffLimit": {
          "title": "Retries",
          "description": "How often a failed launcher is retried. 0 (the default) fails fast: the first failing rank fails the job.",
          "type": "integer",
          "minimum": 0,
          "maximum": 100,
          "default": 0
        },
        "cleanPodPolicy": {
          "title": "Clean pods",
          "description": "Which pods to delete when the job finishes.",
          "type": "string",
          "enum": [
            "None",
            "Running",
            "All"
          ],
          "default": "Running"
        },
        "ttlSecondsAfterFinished": {
          "title": "Delete after (s)",
          "description": "Delete the finished job after this many seconds. Unset keeps it.",
          "type": "integer",
          "minimum": 0
        },
        "activeDeadlineSeconds": {
          "title": "Deadline (s)",
          "description": "Stop the job when it has run this long.",
          "type": "integer",
          "minimum": 1
        }
      }
    },
    "networkPolicy": {
      "title": "Isolate job network",
      "description": "Add a NetworkPolicy so the job's pods talk only to each other and to DNS.",
      "type": "boolean",
      "default": false
    },
    "sshAuthMountPath": {
      "title": "SSH key directory",
      "description": "Where the mpi-operator mounts the SSH keys in the image (the home of the image's user).",
      "type": "string",
      "pattern": "^/",
      "patternMessage": "must be an absolute path such as '/root/.ssh'",
      "default": "/root/.ssh"
    },
    "workerCommand": {
      "title": "Worker command",
      "description": "What worker pods run: an SSH daemon in the foreground that the launcher's mpirun connects to. The program, then one argument per entry.",
      "type": "array",
      "items": {
        "type": "string"
      },
      "minItems": 1,
      "minItemsMessage": "must name a program to run",
      "default": [
        "/usr/sbin/sshd",
        "-De"
      ]
    },
    "figures": {
      "title": "Figures",
      "description": "Which ranks keep the matplotlib figures their cells leave open or show, as PNG files of the job (describe lists them, mpijob cp fetches them, the job view shows them).",
      "type": "string",
      "enum": [
        "rank0",
        "all",
        "none"
      ],
      "default": "rank0"
    },
    "oversubscribe": {
      "title": "Allow more ranks than cores",
      "description": "Local backend only: run more ranks than this machine has cores.",
      "type": "boolean",
      "default": false
    },
    "labels": {
      "title": "Labels",
      "description": "Extra Kubernetes labels on the job and its pods.",
      "type": "object",
      "propertyNames": {
        "maxLength": 317,
        "pattern": "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
      },
      "additionalProperties": {
        "type": "string",
        "maxLength": 63,
        "pattern": "^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$",
        "patternMessage": "must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
      }
    }
  }
} as const;
