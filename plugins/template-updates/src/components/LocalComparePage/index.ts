export { LocalComparePage } from './LocalComparePage';
