// Lets this package type-check on its own; the Next app gets the same declaration from Next's
// global types.
declare module "*.module.css" {
  const classes: { readonly [className: string]: string };
  export default classes;
}
