import FanfareServer
import Foundation

exit(await FanfareMain.run())
