/**
 * Kubernetes resource quantities (`500m`, `2`, `4Gi`, `1e3`) as numbers, so
 * quota headroom can be computed before a job is submitted.
 */

const BINARY: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60
};

const DECIMAL: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18
};

const QUANTITY =
  /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

/**
 * Parses a quantity the way the API server reads it.
 *
 * @param value - e.g. `250m`, `1.5`, `8Gi`, `1e3`, or a number
 * @returns the value in base units (cores, bytes, devices), or null when it is not a quantity
 */
export function parseQuantity(
  value: string | number | null | undefined
): number | null {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : null;
  }
  if (typeof value !== 'string') {
    return null;
  }
  const match = QUANTITY.exec(value.trim());
  if (!match) {
    return null;
  }
  const [, digits, exponent, suffix = ''] = match;
  const base = Number(digits);
  if (exponent) {
    return base * 10 ** Number(exponent.slice(1));
  }
  const factor = BINARY[suffix] ?? DECIMAL[suffix];
  return base * factor;
}

/**
 * Formats a quantity for messages: CPU in cores or millicores, memory in
 * binary units, counts as integers.
 *
 * @param resource - the resource name (`cpu`, `requests.memory`, `nvidia.com/gpu`…)
 * @param value - the value in base units
 * @returns e.g. `1500m`, `12Gi`, `4`
 */
export function formatQuantity(resource: string, value: number): string {
  const name = resource.replace(/^(requests|limits)\./, '');
  if (name === 'cpu') {
    return Number.isInteger(value)
      ? String(value)
      : `${Math.round(value * 1000)}m`;
  }
  if (name === 'memory' || name.endsWith('storage')) {
    for (const unit of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
      const size = BINARY[unit];
      if (value >= size && Number.isInteger((value / size) * 10)) {
        return `${value / size}${unit}`;
      }
    }
    return String(Math.round(value));
  }
  return String(Number.isInteger(value) ? value : Number(value.toFixed(3)));
}
