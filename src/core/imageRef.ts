/**
 * Container image references checked the way Kubernetes checks them: the
 * kubelet parses every image with the distribution reference grammar
 * (`github.com/distribution/reference`, `ParseNormalizedNamed`) and leaves
 * the pod in `InvalidImageName` when it fails, so a bad reference is better
 * refused before anything is created.
 */

const ALPHANUMERIC = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALPHANUMERIC}(?:${SEPARATOR}${ALPHANUMERIC})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])`;
const DOMAIN = `${HOST}(?::[0-9]+)?`;

const REMOTE_NAME = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const DOMAIN_PATTERN = new RegExp(`^${DOMAIN}$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST =
  /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const HEX_ID = /^[a-f0-9]{64}$/;

/** Longest repository name (domain and path) the grammar allows. */
const NAME_MAX = 255;

/**
 * What is wrong with an image reference, worded to follow the field's name
 * (`Container image: must be lowercase …`).
 *
 * @param image - e.g. `quay.io/team/train:1.0` or `python@sha256:…`
 * @returns the problem, or null for a reference Kubernetes accepts
 */
export function imageReferenceProblem(image: string): string | null {
  if (image === '' || /\s/.test(image)) {
    return "must be an image reference without spaces, e.g. 'quay.io/team/train:1.0'";
  }
  if (HEX_ID.test(image)) {
    return 'must name a repository: 64 hexadecimal characters are an image id, which Kubernetes does not accept';
  }
  let name = image;
  let digest: string | null = null;
  const at = name.indexOf('@');
  if (at >= 0) {
    digest = name.slice(at + 1);
    name = name.slice(0, at);
  }
  let tag: string | null = null;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
  }
  if (name === '') {
    return "must start with a repository name, e.g. 'quay.io/team/train:1.0'";
  }
  if (name.length > NAME_MAX) {
    return `must have a repository name of at most ${NAME_MAX} characters`;
  }
  // As Docker does: the first part is a registry when it has '.' or ':',
  // is `localhost`, or has capitals; otherwise the name is on Docker Hub.
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const isDomain =
    slash >= 0 &&
    (/[.:]/.test(first) ||
      first === 'localhost' ||
      first !== first.toLowerCase());
  const remote = isDomain ? name.slice(slash + 1) : name;
  if (isDomain && !DOMAIN_PATTERN.test(first)) {
    return `has an invalid registry "${first}": use a host name or address, with an optional :port`;
  }
  if (remote !== remote.toLowerCase()) {
    return `must be lowercase in the repository name ("${remote.toLowerCase()}", not "${remote}"): Kubernetes refuses capitals there`;
  }
  if (!REMOTE_NAME.test(remote)) {
    return "must have a repository name of lowercase letters, digits and separators ('.', '_', '__', '-') between '/'-separated parts, e.g. 'team/train'";
  }
  if (tag !== null && !TAG.test(tag)) {
    return "has an invalid tag: up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'";
  }
  if (digest !== null && !DIGEST.test(digest)) {
    return "has an invalid digest: use algorithm:hex, e.g. 'sha256:' and 64 hexadecimal digits";
  }
  return null;
}

// MPI base images that hold an MPI and sshd but no Python: a notebook's
// program cannot start in them (mpi-operator's own images, the built-in
// defaults when no image is set).
const WITHOUT_PYTHON = new Set([
  'mpioperator/base',
  'mpioperator/openmpi',
  'mpioperator/openmpi-builder',
  'mpioperator/intel',
  'mpioperator/intel-builder',
  'mpioperator/mpich',
  'mpioperator/mpich-builder'
]);

/**
 * Whether an image is a known MPI base image without Python.
 *
 * @param image - an image reference
 * @returns its repository when it is one, else null
 */
export function knownImageWithoutPython(image: string): string | null {
  const name = image.split('@')[0].replace(/:[^/:]*$/, '');
  const repository = name.replace(/^(?:docker\.io|index\.docker\.io)\//, '');
  return WITHOUT_PYTHON.has(repository) ? repository : null;
}
