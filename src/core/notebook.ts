/**
 * Packages the code cells of an nbformat 4 notebook into one plain Python
 * program that every MPI rank runs, plus a source map back to the cells.
 *
 * IPython-only syntax is translated where a faithful plain-Python form exists
 * and rejected otherwise; every rejection in every cell is reported at once.
 * Each cell line becomes exactly one program line, so a traceback line number
 * always maps back to a cell and a line the user can see.
 *
 * This is the public entry; the stages live in ./notebook/:
 * parse (reading the file) → selection (which cells) → ipythonSyntax (with
 * pythonScanner) writing into programBuilder → prelude, all run by packaging;
 * sourceMap reads the result back.
 */

export { DEFAULT_NOTEBOOK_PATH, PROGRAM_FILE_NAME } from './notebook/model';
export type {
  INotebook,
  INotebookCell,
  IPackagedProgram,
  ISourceLocation
} from './notebook/model';
export { parseNotebook } from './notebook/parse';
export { INCLUDE_TAG, selectCells, SKIP_TAG } from './notebook/selection';
export type { CellSelection } from './notebook/selection';
export { packageNotebook } from './notebook/packaging';
export {
  collectLocalFiles,
  importedModules,
  normalizeRelativePath
} from './notebook/localFiles';
export type {
  ILocalFiles,
  INotebookFolder,
  IShippedFile
} from './notebook/localFiles';
export type { IPackageOptions } from './notebook/packaging';
export {
  decodeSourceMap,
  encodeSourceMap,
  locateProgramLine,
  mapTraceback
} from './notebook/sourceMap';
