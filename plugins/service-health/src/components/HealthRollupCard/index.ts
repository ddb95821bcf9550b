export { HealthRollupCard } from './HealthRollupCard';
