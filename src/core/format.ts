/**
 * Small formatting helpers shared by the CLI and the JupyterLab UI.
 */

/**
 * A duration the way kubectl prints ages (apimachinery's HumanDuration):
 * `45s`, `5m30s`, `47m`, `3h20m`, `2d4h`, `12d`, `3y45d`.
 *
 * @param ms - milliseconds; negative values read as 0
 * @returns the short form
 */
export function humanDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60 * 2) {
    return `${seconds}s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) {
    return `${minutes}m`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) {
    return `${hours}h`;
  }
  if (hours < 24 * 8) {
    const h = hours % 24;
    const days = Math.floor(hours / 24);
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  const days = Math.floor(hours / 24);
  if (days < 365 * 2) {
    return `${days}d`;
  }
  if (days < 365 * 8) {
    const years = Math.floor(days / 365);
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${Math.floor(days / 365)}y`;
}

/**
 * Parses a kubectl duration such as `90s`, `5m`, `1h30m`, or plain seconds.
 *
 * @param text - the duration
 * @returns milliseconds, or null when it does not parse
 */
export function parseDuration(text: string): number | null {
  if (/^\d+$/.test(text)) {
    return Number(text) * 1000;
  }
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(text);
  if (!match || !text) {
    return null;
  }
  const [, h, m, s] = match;
  return ((Number(h ?? 0) * 60 + Number(m ?? 0)) * 60 + Number(s ?? 0)) * 1000;
}

/**
 * A size the way `ls -h` prints it: `512 B`, `14.2 KiB`, `3.0 MiB`.
 *
 * @param bytes - a size
 * @returns the text
 */
export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
