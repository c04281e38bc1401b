/** An artifact that is intact (digest matches) but does not fit: wrong shapes, counts or kind. */
export class IncompatibleArtifactError extends Error {
  override readonly name = "IncompatibleArtifactError";
}
