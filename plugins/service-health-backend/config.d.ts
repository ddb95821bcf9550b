export interface Config {
  /** Settings of the service-health backend plugin. */
  serviceHealth?: {};
}
