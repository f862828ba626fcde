export { SampleWindow, percentileOf } from './sample-window.js'
